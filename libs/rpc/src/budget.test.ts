import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRetryBudget, unlimitedRetryBudget } from './budget.ts';

test('retries stop once failures have drained half the tokens, and resume as successes refill them', () => {
  const budget = createRetryBudget({ maxTokens: 10, tokenRatio: 0.5 });
  assert.equal(budget.canRetry(), true);
  for (let i = 0; i < 5; i++) budget.onFailure();
  assert.equal(budget.tokens(), 5);
  assert.equal(budget.canRetry(), false, 'at half the tokens, no retries');
  budget.onSuccess();
  assert.equal(budget.canRetry(), true);
  for (let i = 0; i < 100; i++) budget.onSuccess();
  assert.equal(budget.tokens(), 10, 'never above the maximum');
  for (let i = 0; i < 100; i++) budget.onFailure();
  assert.equal(budget.tokens(), 0, 'never below zero');
});

test('without a budget, retries are never refused', () => {
  const budget = unlimitedRetryBudget();
  for (let i = 0; i < 1_000; i++) budget.onFailure();
  assert.equal(budget.canRetry(), true);
});
