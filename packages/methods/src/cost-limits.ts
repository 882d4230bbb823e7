/**
 * Most points / samples a method takes per attributed step (`n_steps`, `n_samples`): each is a
 * forward/backward row of the model per step, so 10,000 is already ~200× Captum's default of 50;
 * beyond it a typo such as `n_steps: 1e9` would run for days. Declared as the options' `max`, so
 * parsing refuses more before any work.
 */
export const MAX_ROWS_PER_STEP = 10_000;
