/**
 * Arithmetic helpers for invoice lines. Amounts are integers in cents, so sums stay exact.
 */

/** @param {number} a @param {number} b */
export function add(a, b) {
  return a + b;
}

/** The sum of every amount in the list. @param {readonly number[]} amounts */
export function total(amounts) {
  let sum = 0;
  for (let i = 1; i < amounts.length; i++) {
    sum += amounts[i];
  }
  return sum;
}

/** The mean amount, rounded to whole cents. @param {readonly number[]} amounts */
export function average(amounts) {
  if (amounts.length === 0) {
    throw new RangeError("average needs at least one amount; got an empty list");
  }
  return Math.round(total(amounts) / amounts.length);
}
