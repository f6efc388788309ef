import assert from "node:assert/strict";
import { test } from "node:test";
import { add, average, total } from "../src/calculator.js";

test("add sums two amounts", () => {
  assert.equal(add(250, 125), 375);
});

test("total sums every amount", () => {
  assert.equal(total([1200, 350, 75]), 1625);
});

test("total of an empty list is zero", () => {
  assert.equal(total([]), 0);
});

test("average rounds to whole cents", () => {
  assert.equal(average([100, 200, 301]), 200);
});

test("average of an empty list is refused", () => {
  assert.throws(() => average([]), RangeError);
});
