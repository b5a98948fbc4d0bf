//! Special functions the likelihoods need, in forms that stay finite.

pub use statrs::function::gamma::{digamma, ln_gamma};

/// Most terms summed for one hypergeometric series before it is declared not to converge.
const MAX_SERIES_TERMS: usize = 1_000_000;

/// ln B(a, b), the log of the beta function.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln(e^a + e^b) without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let high = a.max(b);
    if high == f64::NEG_INFINITY {
        return high;
    }
    high + ((a - high).exp() + (b - high).exp()).ln()
}

/// The logistic function 1 / (1 + e^-z), computed without overflow.
pub fn logistic(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series, or `None`
/// when the series does not settle within a million terms (z too close to 1).
///
/// `c` may be negative (but not a non-positive integer); terms may then change sign at first.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    debug_assert!((0.0..1.0).contains(&z));
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..MAX_SERIES_TERMS {
        let k = n as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        // Past n > -c every factor is positive and, once below 1, keeps falling: the tail is
        // bounded by a geometric series.
        let ratio = ((a + k + 1.0) * (b + k + 1.0) / ((c + k + 1.0) * (k + 2.0)) * z).abs();
        if k + 1.0 > -c && ratio < 1.0 && term.abs() <= f64::EPSILON * 0.5 * sum.abs() * (1.0 - ratio) {
            return sum.is_finite().then_some(sum);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1, 1; 2; z) = -ln(1 - z) / z
        for z in [0.01, 0.3, 0.9, 0.999] {
            let expected = -(1.0f64 - z).ln() / z;
            let got = hyp2f1(1.0, 1.0, 2.0, z).unwrap();
            assert!((got / expected - 1.0).abs() < 1e-13, "z={z}: {got} vs {expected}");
        }
        // ₂F₁(a, b; b; z) = (1 - z)^-a
        for (a, b, z) in [(0.5, 2.0, 0.4), (3.2, 0.7, 0.8), (10.0, 1.5, 0.05)] {
            let expected = (1.0f64 - z).powf(-a);
            let got = hyp2f1(a, b, b, z).unwrap();
            assert!((got / expected - 1.0).abs() < 1e-13, "{got} vs {expected}");
        }
        // ₂F₁(1/2, 1; 3/2; z²) = artanh(z) / z, with c - a - b = 0
        let z: f64 = 0.7;
        let got = hyp2f1(0.5, 1.0, 1.5, z * z).unwrap();
        assert!((got / (z.atanh() / z) - 1.0).abs() < 1e-13);
        // A negative c: ₂F₁(a, b; c; z) with c = -0.5 against its sum done by hand to 3 terms at tiny z.
        let (a, b, c, z) = (1.0, 1.0, -0.5, 1e-6);
        let expected = 1.0 + a * b / c * z + a * (a + 1.0) * b * (b + 1.0) / (c * (c + 1.0) * 2.0) * z * z;
        assert!((hyp2f1(a, b, c, z).unwrap() - expected).abs() < 1e-15);
    }

    #[test]
    fn hyp2f1_gives_up_rather_than_guessing() {
        assert_eq!(hyp2f1(5.0, 5.0, 1.0, 1.0 - 1e-12), None);
    }

    #[test]
    fn log_add_exp_is_stable() {
        assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert!((log_add_exp(-1000.0, 0.0)).abs() < 1e-12);
        assert_eq!(
            log_add_exp(f64::NEG_INFINITY, f64::NEG_INFINITY),
            f64::NEG_INFINITY
        );
        assert!((logistic(-800.0)).abs() < 1e-300 && (logistic(800.0) - 1.0).abs() < 1e-15);
    }
}
