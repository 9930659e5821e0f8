//! The draw checks: a formula target is evaluated before training at its parameters' centre,
//! at each random parameter's extremes and on a few thousand draws from a fixed seed, so that
//! a NaN or an infinity is refused as bad input (`target`) instead of met mid-run; and the
//! description of such a value, naming x and the parameters, that a draw gives if it meets one
//! all the same.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::param::Param;
use super::sample::{Source, Target};
use crate::data::expr::Formula;
use crate::error::{Error, Result};

/// Random parameter draws checked for NaN/Inf when a formula target is built: as many as
/// [`CHECK_OPS`] steps of the formula's program allow over the curve's points, from
/// [`MIN_CHECK_DRAWS`] to [`MAX_CHECK_DRAWS`] (4096 for a short formula on the tutorial's 15
/// points: a few ms). A formula NaN on a fraction p of the draws is refused before training
/// with probability 1 − (1 − p)^4096 (98 % for p = 0.1 %).
const MAX_CHECK_DRAWS: usize = 4096;
/// The fewest random draws checked, however long the formula and the curve.
const MIN_CHECK_DRAWS: usize = 64;
/// Steps of a formula's program the random draws of the check may take in all (2²¹, about
/// 30 ms).
const CHECK_OPS: usize = 1 << 21;

/// The target of the formula `expr` in `params` on the grid `x64`, once it has passed the
/// checks: finite at the centre, at each random parameter's extremes and on the draws.
pub(super) fn build_expr(expr: &str, params: &[Param], x64: Vec<f64>) -> Result<Target> {
    for p in params {
        p.spec.validate()?;
    }
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let formula = Formula::parse(expr, &names)?;
    let random: Vec<usize> = (0..params.len())
        .filter(|&i| params[i].spec.is_random())
        .collect();
    let values = base_values(params);
    let mut curve = vec![0.0; x64.len()];
    let fixed = if random.is_empty() {
        check_curve(&formula, params, &x64, &values, &mut curve, "")?;
        Some(curve.clone())
    } else {
        // Every parameter at its centre, then each at its extremes (the others at the centre),
        // then random draws from a fixed seed, as training draws them.
        let per_draw = x64.len().saturating_mul(formula.cost()).max(1);
        let draws = (CHECK_OPS / per_draw).clamp(MIN_CHECK_DRAWS, MAX_CHECK_DRAWS);
        let checked = format!(
            "; checked before training at the parameters' extremes and on {draws} random draws. \
             Narrow the parameters' ranges (`target.params`) to where the formula is finite"
        );
        let checked = checked.as_str();
        check_curve(&formula, params, &x64, &values, &mut curve, checked)?;
        for &i in &random {
            for v in params[i].spec.check_values() {
                let mut at = values.clone();
                at[i] = v;
                check_curve(&formula, params, &x64, &at, &mut curve, checked)?;
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut at = values.clone();
        for _ in 0..draws {
            for &i in &random {
                at[i] = params[i].spec.draw(&mut rng) as f64;
            }
            check_curve(&formula, params, &x64, &at, &mut curve, checked)?;
        }
        None
    };
    Ok(Target {
        x: x64.iter().map(|&v| v as f32).collect(),
        x64,
        fixed,
        source: Source::Expr {
            formula: Box::new(formula),
            params: params.to_vec(),
            random,
        },
    })
}

/// Evaluates a formula's curve; a NaN or infinity is an error (bad input, `target`) naming
/// x and the parameters, followed by `context`.
fn check_curve(
    formula: &Formula,
    params: &[Param],
    x64: &[f64],
    values: &[f64],
    out: &mut [f32],
    context: &str,
) -> Result<()> {
    match curve_problem(formula, params, x64, values, out)? {
        Some(problem) => Err(Error::config("target", format!("{problem}{context}"))),
        None => Ok(()),
    }
}

/// Evaluates a formula's curve into `out`; a NaN or infinity is described, naming x and the
/// parameters' values.
pub(super) fn curve_problem(
    formula: &Formula,
    params: &[Param],
    x64: &[f64],
    values: &[f64],
    out: &mut [f32],
) -> Result<Option<String>> {
    if let Some((x, y)) = formula.eval_curve(x64, values, out)? {
        let with = if params.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = params
                .iter()
                .zip(values)
                .map(|(p, v)| format!("{} = {v} ({})", p.name, p.spec))
                .collect();
            format!(" with {}", list.join(", "))
        };
        let y = if y.is_finite() {
            format!("{y:e}, beyond f32's range,")
        } else {
            y.to_string()
        };
        return Ok(Some(format!(
            "\"{}\" is {y} at x = {x}{with}",
            formula.text()
        )));
    }
    Ok(None)
}

/// Each parameter's base value (a constant's value, a distribution's first check value); the
/// random ones are overwritten per sample.
pub(super) fn base_values(params: &[Param]) -> Vec<f64> {
    params.iter().map(|p| p.spec.check_values()[0]).collect()
}
