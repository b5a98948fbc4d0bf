//! The models reproduce the published estimates on the CDNOW sample and the sBG examples.

use northstar_clv::{
    BetaGeo, Customer, GammaGamma, ParetoNbd, PurchaseModel, RepeatData, ShiftedBetaGeometric, SpendData,
    Variant,
};

/// Fader and Hardie's CDNOW calibration summary: (customer, mean repeat spend).
fn cdnow() -> Vec<(Customer, f64)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cdnow/cdnow_customers_summary_with_transactions.csv"
    );
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            let field = |i: usize| record[i].parse::<f64>().unwrap();
            let customer = Customer {
                frequency: field(1) as u32,
                recency: field(2),
                age: field(3),
            };
            (customer, field(4))
        })
        .collect()
}

fn repeat_data() -> RepeatData {
    let customers: Vec<Customer> = cdnow().into_iter().map(|(c, _)| c).collect();
    assert_eq!(customers.len(), 2357);
    RepeatData::from_customers(&customers).unwrap()
}

/// Asserts each estimate within 1e-3 relative of the published value, or within the published
/// value's rounding (half a unit of its last of `decimals` decimals) when that is wider.
fn assert_params(got: &[f64], published: &[f64], decimals: i32) {
    let rounding = 0.5 * 10f64.powi(-decimals);
    for (g, p) in got.iter().zip(published) {
        let tolerance = (1e-3 * p.abs()).max(rounding) + 1e-12;
        assert!(
            (g - p).abs() <= tolerance,
            "estimates {got:?}, published {published:?}"
        );
    }
}

#[test]
fn bgnbd_reproduces_fader_hardie_lee_2005() {
    let (model, fit) = BetaGeo::fit(Variant::BgNbd, &repeat_data()).unwrap();
    assert_params(&fit.params, &[0.2425945, 4.4136019, 0.7929199, 2.4258881], 7);
    assert!(
        (fit.log_likelihood - -9582.429).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(fit.diagnostics.converged, "{:?}", fit.diagnostics);
    assert!(fit.std_errors.is_some());
    // The paper's worked example: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to
    // make 1.226 purchases in the next 39 weeks.
    let c = Customer {
        frequency: 2,
        recency: 30.43,
        age: 38.86,
    };
    let expected = model.expected_purchases(39.0, &c).unwrap();
    assert!((expected - 1.226).abs() < 5e-4, "{expected}");
}

#[test]
fn pareto_nbd_reproduces_fader_hardie_2005() {
    let (_, fit) = ParetoNbd::fit(&repeat_data()).unwrap();
    assert_params(&fit.params, &[0.55315, 10.57633, 0.60625, 11.67150], 5);
    assert!(
        (fit.log_likelihood - -9594.976).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(fit.diagnostics.converged);
}

#[test]
fn gamma_gamma_reproduces_fader_hardie_2013() {
    let spend = SpendData::new(cdnow().into_iter().map(|(c, zbar)| (c.frequency, zbar))).unwrap();
    assert_eq!(spend.customers(), 946.0);
    let (model, fit) = GammaGamma::fit(&spend).unwrap();
    // Published to two decimals.
    assert_params(&fit.params, &[6.25, 3.74, 15.44], 2);
    assert!(
        (fit.log_likelihood - -4055.92).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    let population = model.expected_spend(0, 0.0).unwrap();
    assert!((population - model.p * model.gamma / (model.q - 1.0)).abs() < 1e-9);
}

#[test]
fn sbg_reproduces_fader_hardie_2007() {
    let regular = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];
    let high_end = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];
    for (active, alpha, beta) in [(regular, 0.704, 1.182), (high_end, 0.668, 3.806)] {
        // The paper fits the first seven years; all eight counts are year 0 to year 7.
        let (model, fit) = ShiftedBetaGeometric::fit(&active).unwrap();
        assert!((model.alpha - alpha).abs() <= 0.0005 + 1e-9, "{model:?}");
        assert!((model.beta - beta).abs() <= 0.0005 + 1e-9, "{model:?}");
        assert!(fit.diagnostics.converged, "{:?}", fit.diagnostics);
    }
}
