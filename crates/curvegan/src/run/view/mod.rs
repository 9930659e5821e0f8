//! What a run looks like (may use: text, error, gan, eval, config, run::store): figures and
//! the report's page, rendered from the numbers it is given. It reads no trainer.
//!
//! - [`plot`]: the figures;
//! - [`report`]: `report.html`, a run's page for the browser, and pages comparing runs;
//! - [`scores`]: a sweep's or benchmark's scores on its page, printed as its tables print them;
//! - [`step`]: the step figure drawn from its numbers.

pub mod plot;
pub mod report;
pub mod scores;
pub mod step;
