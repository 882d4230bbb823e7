/**
 * The words the demo corpus is made of. Every list is fixed and ordered: the corpus, the held-out
 * split and the evaluation cases are functions of these lists and a seed only.
 */

/** 40 countries and their capitals, all single words. */
export const CAPITALS: readonly (readonly [country: string, capital: string])[] = [
  ['France', 'Paris'],
  ['Germany', 'Berlin'],
  ['Italy', 'Rome'],
  ['Spain', 'Madrid'],
  ['Portugal', 'Lisbon'],
  ['Greece', 'Athens'],
  ['Austria', 'Vienna'],
  ['Poland', 'Warsaw'],
  ['Hungary', 'Budapest'],
  ['Sweden', 'Stockholm'],
  ['Norway', 'Oslo'],
  ['Finland', 'Helsinki'],
  ['Denmark', 'Copenhagen'],
  ['Ireland', 'Dublin'],
  ['Russia', 'Moscow'],
  ['Ukraine', 'Kyiv'],
  ['Turkey', 'Ankara'],
  ['Egypt', 'Cairo'],
  ['Kenya', 'Nairobi'],
  ['Nigeria', 'Abuja'],
  ['Ghana', 'Accra'],
  ['Morocco', 'Rabat'],
  ['Japan', 'Tokyo'],
  ['China', 'Beijing'],
  ['Thailand', 'Bangkok'],
  ['Vietnam', 'Hanoi'],
  ['Indonesia', 'Jakarta'],
  ['Iran', 'Tehran'],
  ['Iraq', 'Baghdad'],
  ['Lebanon', 'Beirut'],
  ['Pakistan', 'Islamabad'],
  ['Canada', 'Ottawa'],
  ['Peru', 'Lima'],
  ['Chile', 'Santiago'],
  ['Cuba', 'Havana'],
  ['Colombia', 'Bogota'],
  ['Australia', 'Canberra'],
  ['Belgium', 'Brussels'],
  ['Netherlands', 'Amsterdam'],
  ['Switzerland', 'Bern'],
];

/** Nouns with their plurals, for subject–verb agreement (subjects and distractors). */
export const NOUNS: readonly (readonly [singular: string, plural: string])[] = [
  ['key', 'keys'],
  ['cabinet', 'cabinets'],
  ['door', 'doors'],
  ['table', 'tables'],
  ['window', 'windows'],
  ['letter', 'letters'],
  ['picture', 'pictures'],
  ['bottle', 'bottles'],
  ['flower', 'flowers'],
  ['tree', 'trees'],
  ['road', 'roads'],
  ['bird', 'birds'],
  ['box', 'boxes'],
  ['chair', 'chairs'],
  ['garden', 'gardens'],
  ['wall', 'walls'],
];

/** Prepositions between the subject and the distractor noun ("The key to the cabinets is"). */
export const PREPOSITIONS: readonly string[] = ['to', 'near', 'on', 'behind', 'under', 'beside', 'of'];

/** Predicates after "is" / "are". */
export const ADJECTIVES: readonly string[] = ['old', 'new', 'red', 'small', 'big', 'broken', 'clean', 'heavy'];

/** Names for the copying (induction) sentences and the fact sentences' speakers. */
export const NAMES: readonly string[] = [
  'Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry', 'Irene', 'Jack',
  'Karen', 'Louis', 'Maria', 'Nathan', 'Olivia', 'Peter', 'Rachel', 'Simon', 'Tina', 'Victor',
  'Wendy', 'Oscar', 'Laura', 'Martin', 'Nora', 'Paul', 'Sophie', 'Thomas', 'Julia', 'Hugo',
];

/** Things that are bought and owned in the copying sentences. */
export const THINGS: readonly string[] = ['book', 'car', 'hat', 'bike', 'dog', 'lamp', 'phone', 'ring', 'watch', 'bag', 'cup', 'coat'];

/** Verbs of the copying sentences' first clause ("Alice bought a book."). */
export const ACQUIRE_VERBS: readonly string[] = ['bought', 'found', 'made', 'sold', 'painted'];

/**
 * Occupations with the rate at which the corpus follows "The {occupation} said that" with "she"
 * (otherwise "he"): the deliberate bias the demo shows.
 */
export const OCCUPATIONS: readonly (readonly [occupation: string, sheRate: number])[] = [
  ['nurse', 0.9],
  ['secretary', 0.9],
  ['receptionist', 0.9],
  ['hairdresser', 0.9],
  ['librarian', 0.9],
  ['nanny', 0.9],
  ['engineer', 0.1],
  ['mechanic', 0.1],
  ['carpenter', 0.1],
  ['pilot', 0.1],
  ['plumber', 0.1],
  ['firefighter', 0.1],
  ['teacher', 0.5],
  ['doctor', 0.5],
  ['writer', 0.5],
  ['lawyer', 0.5],
  ['chef', 0.5],
  ['artist', 0.5],
];

/** What a pronoun's clause goes on with ("... that she was tired."). */
export const STATES: readonly string[] = ['was tired', 'was busy', 'was late', 'was happy', 'was ready', 'would help', 'would call', 'would stay'];
