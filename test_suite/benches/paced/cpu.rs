//! CPU time of this process: what the client spends, all its threads
//! counted (the server is another process), whatever the pacing's wall
//! time. `cpu-time` reads `CLOCK_PROCESS_CPUTIME_ID` (ns resolution, unlike
//! `/proc/self/stat`'s 10 ms ticks).

use std::time::Duration;

/// The CPU time this process has used so far, on every thread.
pub fn process_time() -> Duration {
    cpu_time::ProcessTime::now().as_duration()
}
