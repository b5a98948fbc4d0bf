//! Parameters planted in simulated customers are recovered, and predictions match closed forms.

use northstar_clv::simulate::{self, Process};
use northstar_clv::{
    BetaGeo, Customer, Fit, GammaGamma, ParetoNbd, PurchaseModel, RepeatData, ShiftedBetaGeometric,
    SpendData, Tenures, Variant,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Customers observed for 10 to 50 time units after their first purchase.
fn simulate(process: &Process, customers: usize, seed: u64) -> Vec<Customer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..customers)
        .map(|_| {
            let age = rng.random_range(10.0..50.0);
            let times = simulate::repeat_times(process, age, &mut rng);
            simulate::summarise(&times, age)
        })
        .collect()
}

/// Every estimate within four of its standard errors of the planted value.
fn assert_recovered(fit: &Fit, planted: &[f64]) {
    assert!(fit.diagnostics.converged, "{:?}", fit.diagnostics);
    let errors = fit.std_errors.as_ref().expect("standard errors");
    for ((name, (got, se)), truth) in fit.names.iter().zip(fit.params.iter().zip(errors)).zip(planted) {
        assert!(
            (got - truth).abs() < 4.0 * se,
            "{name}: estimate {got} ± {se}, planted {truth} ({:?})",
            fit.params
        );
        // and the standard error is informative, not a huge number that makes the check empty
        assert!(se / truth < 0.25, "{name}: standard error {se} for {truth}");
    }
}

#[test]
fn bgnbd_and_mbgnbd_recover_planted_parameters() {
    for (variant, seed) in [(Variant::BgNbd, 1), (Variant::MbgNbd, 2)] {
        let planted = BetaGeo {
            variant,
            r: 0.8,
            alpha: 6.0,
            a: 0.9,
            b: 3.0,
        };
        let customers = simulate(&Process::BetaGeo(planted), 30_000, seed);
        let (_, fit) = BetaGeo::fit(variant, &RepeatData::from_customers(&customers).unwrap()).unwrap();
        assert_recovered(&fit, &[0.8, 6.0, 0.9, 3.0]);
    }
}

#[test]
fn pareto_nbd_recovers_planted_parameters() {
    let planted = ParetoNbd {
        r: 0.6,
        alpha: 8.0,
        s: 0.8,
        beta: 20.0,
    };
    let customers = simulate(&Process::Pareto(planted), 30_000, 3);
    let (_, fit) = ParetoNbd::fit(&RepeatData::from_customers(&customers).unwrap()).unwrap();
    assert_recovered(&fit, &[0.6, 8.0, 0.8, 20.0]);
}

#[test]
fn gamma_gamma_recovers_planted_parameters() {
    let planted = GammaGamma {
        p: 4.0,
        q: 3.0,
        gamma: 20.0,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let spend: Vec<(u32, f64)> = (0..20_000)
        .map(|_| {
            let x = rng.random_range(1..8u32);
            let values = simulate::spend(&planted, x as usize, &mut rng);
            (x, values.iter().sum::<f64>() / f64::from(x))
        })
        .collect();
    let (_, fit) = GammaGamma::fit(&SpendData::new(spend).unwrap()).unwrap();
    assert_recovered(&fit, &[4.0, 3.0, 20.0]);
}

#[test]
fn sbg_recovers_planted_parameters() {
    let planted = ShiftedBetaGeometric {
        alpha: 1.5,
        beta: 4.0,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let active = simulate::survivors(&planted, 20_000, 8, &mut rng);
    let (_, fit) = ShiftedBetaGeometric::fit(&active).unwrap();
    assert_recovered(&fit, &[1.5, 4.0]);
}

/// Customers who joined at different times, each observed for 1 to 24 periods, as a subscription
/// business sees them.
#[test]
fn sbg_recovers_planted_parameters_from_censored_tenures() {
    let planted = ShiftedBetaGeometric {
        alpha: 0.8,
        beta: 2.5,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut tenures = Tenures::default();
    for _ in 0..20_000 {
        let observed = rng.random_range(1..=24);
        tenures.add(simulate::tenure(&planted, observed, &mut rng), 1.0);
    }
    let (_, fit) = ShiftedBetaGeometric::fit_tenures(&tenures).unwrap();
    assert_recovered(&fit, &[0.8, 2.5]);
}

/// E[X(t)] of each model against the mean count of many simulated newcomers, within 4 standard errors.
#[test]
fn population_purchases_match_simulation() {
    let models: [(Box<dyn PurchaseModel>, Process); 3] = [
        {
            let m = BetaGeo {
                variant: Variant::BgNbd,
                r: 0.8,
                alpha: 6.0,
                a: 1.7,
                b: 3.0,
            };
            (Box::new(m), Process::BetaGeo(m))
        },
        {
            let m = BetaGeo {
                variant: Variant::MbgNbd,
                r: 1.2,
                alpha: 4.0,
                a: 0.7,
                b: 2.0,
            };
            (Box::new(m), Process::BetaGeo(m))
        },
        {
            let m = ParetoNbd {
                r: 0.6,
                alpha: 8.0,
                s: 0.8,
                beta: 20.0,
            };
            (Box::new(m), Process::Pareto(m))
        },
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for (model, process) in &models {
        let t = 26.0;
        let counts: Vec<f64> = (0..200_000)
            .map(|_| simulate::repeat_times(process, t, &mut rng).len() as f64)
            .collect();
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<f64>() / n;
        let sd = (counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let expected = model.population_purchases(t).unwrap();
        assert!(
            (expected - mean).abs() < 4.0 * sd / n.sqrt(),
            "{}: E[X({t})] = {expected}, simulated {mean}",
            model.name()
        );
    }
}

/// Over a short horizon, expected purchases approach P(alive) times the posterior mean rate
/// (r + x) / (α + T), which is closed form.
#[test]
fn conditional_expectations_start_at_the_posterior_rate() {
    let models: [Box<dyn PurchaseModel>; 3] = [
        Box::new(BetaGeo {
            variant: Variant::BgNbd,
            r: 0.24,
            alpha: 4.4,
            a: 0.79,
            b: 2.4,
        }),
        Box::new(BetaGeo {
            variant: Variant::MbgNbd,
            r: 0.24,
            alpha: 4.4,
            a: 0.79,
            b: 2.4,
        }),
        Box::new(ParetoNbd {
            r: 0.55,
            alpha: 10.6,
            s: 0.61,
            beta: 11.7,
        }),
    ];
    let (r_alpha, t) = ([(0.24, 4.4), (0.24, 4.4), (0.55, 10.6)], 1e-6);
    for (model, (r, alpha)) in models.iter().zip(r_alpha) {
        for c in
            [(0, 0.0, 30.0), (2, 30.43, 38.86), (5, 10.0, 38.0)].map(|(frequency, recency, age)| Customer {
                frequency,
                recency,
                age,
            })
        {
            let rate = model.expected_purchases(t, &c).unwrap() / t;
            let closed = model.p_alive(&c) * (r + f64::from(c.frequency)) / (alpha + c.age);
            assert!(
                (rate / closed - 1.0).abs() < 1e-4,
                "{}: {rate} vs {closed} for {c:?}",
                model.name()
            );
        }
    }
}

/// P(alive) for BG/NBD at a hand-picked point: 1 / (1 + a/(b+x−1) ((α+T)/(α+t_x))^(r+x)).
#[test]
fn p_alive_matches_the_closed_form() {
    let model = BetaGeo {
        variant: Variant::BgNbd,
        r: 1.0,
        alpha: 2.0,
        a: 1.0,
        b: 2.0,
    };
    let c = Customer {
        frequency: 2,
        recency: 5.0,
        age: 10.0,
    };
    // a/(b+x−1) = 1/3; ((2+10)/(2+5))^3 = (12/7)^3
    let expected = 1.0 / (1.0 + (12.0f64 / 7.0).powi(3) / 3.0);
    assert!((model.p_alive(&c) - expected).abs() < 1e-14);
    // No repeat purchase: alive for sure under BG/NBD, not under MBG/NBD (a/b · ((α+T)/α)^r).
    let newcomer = Customer {
        frequency: 0,
        recency: 0.0,
        age: 10.0,
    };
    assert_eq!(model.p_alive(&newcomer), 1.0);
    let modified = BetaGeo {
        variant: Variant::MbgNbd,
        ..model
    };
    assert!((modified.p_alive(&newcomer) - 1.0 / (1.0 + 0.5 * 6.0)).abs() < 1e-14);
}
