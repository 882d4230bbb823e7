#!/usr/bin/env node
import { runCaseStudyCli } from './run-cli';

runCaseStudyCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
