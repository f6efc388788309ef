// @ts-check
/**
 * What `GET /ping` reports: "HealthyBusy" while an invocation is working (so the runtime does not consider the
 * session idle), "Healthy" otherwise, with `time_of_last_update` (Unix seconds) moving only when the status changes.
 */

/** @param {() => number} [now] milliseconds clock */
export function createHealth(now = Date.now) {
  let inFlight = 0;
  /** @type {"Healthy" | "HealthyBusy"} */
  let status = "Healthy";
  let changedAt = Math.floor(now() / 1000);

  const settle = () => {
    const next = inFlight > 0 ? "HealthyBusy" : "Healthy";
    if (next !== status) {
      status = next;
      changedAt = Math.floor(now() / 1000);
    }
  };

  return {
    begin() {
      inFlight += 1;
      settle();
    },
    end() {
      inFlight = Math.max(0, inFlight - 1);
      settle();
    },
    snapshot() {
      return { status, time_of_last_update: changedAt };
    },
  };
}
