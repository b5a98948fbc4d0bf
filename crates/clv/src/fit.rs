//! Maximum likelihood: BFGS on log-parameters from several starts, with diagnostics and standard
//! errors from the Hessian.

// Small dense matrices read most clearly with index loops.
#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::ClvError;

/// Most parameters any model here has.
pub(crate) const MAX_PARAMS: usize = 4;
/// Log-parameters beyond ±this are treated as a runaway and refused.
const LOG_BOUND: f64 = 30.0;
/// Iteration budget per start.
const MAX_ITERATIONS: usize = 2000;
/// Converged when every gradient component of the per-customer log-likelihood, taken with
/// respect to the log-parameters, is below this.
const GRADIENT_TOLERANCE: f64 = 1e-8;
/// A start that can no longer lower the objective (per customer) by more than rounding is
/// converged if its gradient is below this.
const STALL_TOLERANCE: f64 = 1e-6;
/// Starts whose optimum is within this (per customer) of the best count as agreeing.
const AGREEMENT: f64 = 1e-7;
/// Rows per parallel chunk when summing a likelihood.
const CHUNK: usize = 8192;

/// A log-likelihood with its gradient, over natural (positive) parameters.
pub(crate) trait Likelihood: Sync {
    /// Parameter names, in order.
    fn names(&self) -> &'static [&'static str];
    /// Number of observations (customers), to scale tolerances.
    fn observations(&self) -> f64;
    /// Log-likelihood at `params`, writing its gradient into `grad`; `None` when the terms cannot
    /// be evaluated there (a series that does not converge).
    fn evaluate(&self, params: &[f64], grad: &mut [f64]) -> Option<f64>;
}

/// Sums a per-row log-likelihood and gradient over `rows` in parallel, in a fixed order so the
/// result is identical from run to run.
pub(crate) fn sum_rows<T: Sync>(
    rows: &[T],
    grad: &mut [f64],
    term: impl Fn(&T, &mut [f64; MAX_PARAMS]) -> Option<f64> + Sync,
) -> Option<f64> {
    let parts: Vec<Option<(f64, [f64; MAX_PARAMS])>> = rows
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut total = 0.0;
            let mut g = [0.0; MAX_PARAMS];
            for row in chunk {
                total += term(row, &mut g)?;
            }
            Some((total, g))
        })
        .collect();
    grad.fill(0.0);
    let mut total = 0.0;
    for part in parts {
        let (ll, g) = part?;
        total += ll;
        for (out, v) in grad.iter_mut().zip(g) {
            *out += v;
        }
    }
    (total.is_finite() && grad.iter().all(|g| g.is_finite())).then_some(total)
}

/// How the optimisation went.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostics {
    /// Whether the best start met the gradient tolerance.
    pub converged: bool,
    /// Iterations of the best start.
    pub iterations: usize,
    /// Largest gradient component at the optimum (per customer, log-parameters).
    pub gradient_norm: f64,
    /// Starting points tried.
    pub starts: usize,
    /// Starts that reached the same optimum as the best.
    pub starts_agreeing: usize,
    /// Anything the user should know about the fit.
    pub notes: Vec<String>,
}

/// A fitted model's parameters and fit statistics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fit {
    /// Parameter names, in order.
    pub names: Vec<&'static str>,
    /// Maximum likelihood estimates.
    pub params: Vec<f64>,
    /// Standard errors from the inverse Hessian, when it is positive definite.
    pub std_errors: Option<Vec<f64>>,
    /// Log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// How the optimisation went.
    pub diagnostics: Diagnostics,
}

impl Fit {
    /// The estimate called `name`.
    pub fn param(&self, name: &str) -> f64 {
        self.names
            .iter()
            .position(|n| *n == name)
            .map_or(f64::NAN, |i| self.params[i])
    }

    /// The estimates by name.
    pub fn estimates(&self) -> BTreeMap<String, f64> {
        self.by_name(&self.params)
    }

    /// The standard errors by name, when there are any.
    pub fn standard_errors(&self) -> Option<BTreeMap<String, f64>> {
        self.std_errors.as_deref().map(|se| self.by_name(se))
    }

    fn by_name(&self, values: &[f64]) -> BTreeMap<String, f64> {
        self.names
            .iter()
            .map(|n| (*n).to_owned())
            .zip(values.iter().copied())
            .collect()
    }
}

/// One start's result.
struct Outcome {
    log_params: Vec<f64>,
    value: f64,
    iterations: usize,
    gradient_norm: f64,
    converged: bool,
}

/// Maximises `model`'s likelihood from each of `starts` (natural parameters) and keeps the best.
pub(crate) fn maximise(
    model: &impl Likelihood,
    model_name: &str,
    starts: &[Vec<f64>],
) -> Result<Fit, ClvError> {
    let scale = model.observations().max(1.0);
    let objective = |phi: &[f64], g: &mut [f64]| -> f64 {
        if phi.iter().any(|p| p.abs() > LOG_BOUND) {
            return f64::INFINITY;
        }
        let theta: Vec<f64> = phi.iter().map(|p| p.exp()).collect();
        match model.evaluate(&theta, g) {
            Some(ll) => {
                for (gi, t) in g.iter_mut().zip(&theta) {
                    *gi *= -t / scale;
                }
                -ll / scale
            }
            None => f64::INFINITY,
        }
    };
    let outcomes: Vec<Outcome> = starts
        .iter()
        .filter_map(|start| bfgs(&objective, start.iter().map(|p| p.ln()).collect()))
        .collect();
    let Some(best) = outcomes.iter().min_by(|a, b| a.value.total_cmp(&b.value)) else {
        return Err(ClvError::NotConverged {
            model: model_name.to_owned(),
            detail: "the likelihood could not be evaluated at any starting point".to_owned(),
        });
    };
    let agreeing = outcomes
        .iter()
        .filter(|o| (o.value - best.value).abs() <= AGREEMENT)
        .count();
    let params: Vec<f64> = best.log_params.iter().map(|p| p.exp()).collect();
    let mut notes = Vec::new();
    if !best.converged {
        notes.push(format!(
            "the optimiser stopped after {} iterations with gradient {:.1e}, above the tolerance {:.0e}",
            best.iterations, best.gradient_norm, GRADIENT_TOLERANCE
        ));
    }
    if let Some(i) = best.log_params.iter().position(|p| p.abs() > LOG_BOUND - 5.0) {
        notes.push(format!(
            "parameter `{}` ran towards {}: the data barely identify it",
            model.names()[i],
            if best.log_params[i] > 0.0 {
                "infinity"
            } else {
                "zero"
            }
        ));
    }
    if outcomes.len() < starts.len() {
        notes.push(format!(
            "{} of {} starting points could not be evaluated",
            starts.len() - outcomes.len(),
            starts.len()
        ));
    }
    if agreeing < outcomes.len() {
        notes.push(format!(
            "{} of {} starts reached a worse optimum; the best is reported",
            outcomes.len() - agreeing,
            outcomes.len()
        ));
    }
    let std_errors = standard_errors(model, &params);
    if std_errors.is_none() {
        notes.push("the Hessian is not positive definite: no standard errors".to_owned());
    }
    Ok(Fit {
        names: model.names().to_vec(),
        log_likelihood: -best.value * scale,
        params,
        std_errors,
        diagnostics: Diagnostics {
            converged: best.converged,
            iterations: best.iterations,
            gradient_norm: best.gradient_norm,
            starts: starts.len(),
            starts_agreeing: agreeing,
            notes,
        },
    })
}

/// Minimises `f` from `x` by BFGS with a backtracking (Armijo) line search; `None` when `f` is not
/// finite at the start.
fn bfgs(f: &impl Fn(&[f64], &mut [f64]) -> f64, mut x: Vec<f64>) -> Option<Outcome> {
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() {
        return None;
    }
    let mut h = identity(n);
    let mut g_new = vec![0.0; n];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < MAX_ITERATIONS {
        if max_abs(&g) < GRADIENT_TOLERANCE {
            converged = true;
            break;
        }
        iterations += 1;
        let mut d: Vec<f64> = (0..n).map(|i| -dot(&h[i], &g)).collect();
        if dot(&d, &g) >= 0.0 {
            h = identity(n);
            d = g.iter().map(|v| -v).collect();
        }
        let slope = dot(&d, &g);
        // Never move a log-parameter by more than 3 in one step.
        let mut step = (3.0 / max_abs(&d)).min(1.0);
        let mut accepted = None;
        for _ in 0..60 {
            let trial: Vec<f64> = x.iter().zip(&d).map(|(xi, di)| xi + step * di).collect();
            let ft = f(&trial, &mut g_new);
            if ft.is_finite() && ft <= fx + 1e-4 * step * slope {
                accepted = Some((trial, ft));
                break;
            }
            step *= 0.5;
        }
        let Some((x_new, f_new)) = accepted else {
            // No decrease is left to find: at the optimum up to rounding, or stuck.
            converged = max_abs(&g) < STALL_TOLERANCE;
            break;
        };
        let stalled = fx - f_new <= 4.0 * f64::EPSILON * fx.abs().max(1.0);
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-300 {
            if iterations == 1 {
                let scale = sy / dot(&y, &y);
                h = identity(n)
                    .into_iter()
                    .map(|row| row.iter().map(|v| v * scale).collect())
                    .collect();
            }
            bfgs_update(&mut h, &s, &y, sy);
        }
        x = x_new;
        fx = f_new;
        g.copy_from_slice(&g_new);
        if stalled && max_abs(&g) < STALL_TOLERANCE {
            converged = true;
            break;
        }
    }
    Some(Outcome {
        log_params: x,
        value: fx,
        iterations,
        gradient_norm: max_abs(&g),
        converged,
    })
}

/// The BFGS update of the inverse Hessian approximation `h` for step `s` and gradient change `y`.
fn bfgs_update(h: &mut [Vec<f64>], s: &[f64], y: &[f64], sy: f64) {
    let n = s.len();
    let hy: Vec<f64> = (0..n).map(|i| dot(&h[i], y)).collect();
    let yhy = dot(y, &hy);
    for i in 0..n {
        for j in 0..n {
            h[i][j] += ((sy + yhy) * s[i] * s[j]) / (sy * sy) - (hy[i] * s[j] + s[i] * hy[j]) / sy;
        }
    }
}

/// Standard errors of natural parameters from the observed information (the Hessian of the
/// negative log-likelihood by central differences of the analytic gradient), when positive definite.
fn standard_errors(model: &impl Likelihood, params: &[f64]) -> Option<Vec<f64>> {
    let n = params.len();
    let mut hessian = vec![vec![0.0; n]; n];
    let (mut g_plus, mut g_minus) = (vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        let h = params[j] * 1e-5;
        let mut p = params.to_vec();
        p[j] = params[j] + h;
        model.evaluate(&p, &mut g_plus)?;
        p[j] = params[j] - h;
        model.evaluate(&p, &mut g_minus)?;
        for i in 0..n {
            hessian[i][j] = -(g_plus[i] - g_minus[i]) / (2.0 * h);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let mean = 0.5 * (hessian[i][j] + hessian[j][i]);
            hessian[i][j] = mean;
            hessian[j][i] = mean;
        }
    }
    let inverse = invert_positive_definite(&hessian)?;
    Some((0..n).map(|i| inverse[i][i].sqrt()).collect())
}

/// Inverse of a symmetric positive definite matrix by Cholesky, or `None` when it is not one.
fn invert_positive_definite(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - sum;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            }
        }
    }
    // Solve L Lᵀ X = I column by column.
    let mut inverse = vec![vec![0.0; n]; n];
    for c in 0..n {
        let mut z = vec![0.0; n];
        for i in 0..n {
            let e = if i == c { 1.0 } else { 0.0 };
            z[i] = (e - (0..i).map(|k| l[i][k] * z[k]).sum::<f64>()) / l[i][i];
        }
        for i in (0..n).rev() {
            inverse[i][c] = (z[i] - (i + 1..n).map(|k| l[k][i] * inverse[k][c]).sum::<f64>()) / l[i][i];
        }
    }
    Some(inverse)
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks an analytic gradient against central differences at `params`.
    pub(crate) fn assert_gradient(model: &impl Likelihood, params: &[f64]) {
        let n = params.len();
        let mut grad = vec![0.0; n];
        model.evaluate(params, &mut grad).expect("finite likelihood");
        let mut scratch = vec![0.0; n];
        for j in 0..n {
            let h = params[j] * 1e-6;
            let mut p = params.to_vec();
            p[j] += h;
            let up = model.evaluate(&p, &mut scratch).unwrap();
            p[j] -= 2.0 * h;
            let down = model.evaluate(&p, &mut scratch).unwrap();
            let numeric = (up - down) / (2.0 * h);
            let tolerance = 1e-5 * numeric.abs().max(1.0);
            assert!(
                (grad[j] - numeric).abs() < tolerance,
                "d/d{}: analytic {} vs numeric {numeric}",
                model.names()[j],
                grad[j]
            );
        }
    }

    /// A Gaussian log-likelihood in (mean, sd) with a known maximum.
    struct Normal(Vec<f64>);

    impl Likelihood for Normal {
        fn names(&self) -> &'static [&'static str] {
            &["mean", "sd"]
        }
        fn observations(&self) -> f64 {
            self.0.len() as f64
        }
        fn evaluate(&self, p: &[f64], grad: &mut [f64]) -> Option<f64> {
            let (m, s) = (p[0], p[1]);
            let n = self.0.len() as f64;
            let ss: f64 = self.0.iter().map(|x| (x - m).powi(2)).sum();
            grad[0] = self.0.iter().map(|x| x - m).sum::<f64>() / (s * s);
            grad[1] = -n / s + ss / s.powi(3);
            Some(-n * s.ln() - ss / (2.0 * s * s))
        }
    }

    #[test]
    fn finds_the_closed_form_maximum_and_its_standard_errors() {
        let data: Vec<f64> = (0..50).map(|i| 10.0 + ((i * 37) % 11) as f64).collect();
        let n = data.len() as f64;
        let mean = data.iter().sum::<f64>() / n;
        let sd = (data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let model = Normal(data);
        assert_gradient(&model, &[12.0, 2.5]);
        let fit = maximise(&model, "normal", &[vec![1.0, 1.0], vec![30.0, 10.0]]).unwrap();
        assert!(fit.diagnostics.converged, "{:?}", fit.diagnostics);
        assert_eq!(fit.diagnostics.starts_agreeing, 2);
        assert!((fit.param("mean") / mean - 1.0).abs() < 1e-9);
        assert!((fit.param("sd") / sd - 1.0).abs() < 1e-9);
        // Closed-form standard errors: sd/√n for the mean, sd/√(2n) for the sd.
        let se = fit.std_errors.unwrap();
        assert!((se[0] / (sd / n.sqrt()) - 1.0).abs() < 1e-4, "{se:?}");
        assert!((se[1] / (sd / (2.0 * n).sqrt()) - 1.0).abs() < 1e-4, "{se:?}");
    }
}
