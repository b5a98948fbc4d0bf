//! A synthetic company with a planted profile: lift finds the planted attributes, with intervals
//! above 1, and leaves noise inside its intervals.

use northstar_discover::{Attribute, Condition, LiftSettings, Values, lift};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn planted_attributes_stand_out_and_noise_does_not() {
    for seed in [1u64, 2, 3] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = 4000;
        let (mut industry, mut employees, mut tech, mut colour, mut profit) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let ind = ["Logistics", "Retail", "Finance", "Media"][rng.random_range(0..4)];
            let emp: f64 = rng.random_range(10.0..10_000.0f64).round();
            let uses_k8s = rng.random_bool(0.3);
            let mut p = rng.random_range(-50.0..50.0);
            if ind == "Logistics" {
                p += 60.0;
            }
            if uses_k8s {
                p += 40.0;
            }
            industry.push(Some(ind.into()));
            employees.push(Some(emp));
            tech.push(if uses_k8s {
                vec!["Kubernetes".into(), "Go".into()]
            } else {
                vec!["Go".into()]
            });
            colour.push(Some(["red", "green", "blue"][rng.random_range(0..3)].into()));
            profit.push(p);
        }
        let attributes = [
            Attribute {
                name: "industry".into(),
                values: Values::Categorical(industry),
            },
            Attribute {
                name: "employees".into(),
                values: Values::Numeric(employees),
            },
            Attribute {
                name: "technologies".into(),
                values: Values::List(tech),
            },
            Attribute {
                name: "colour".into(),
                values: Values::Categorical(colour),
            },
        ];
        // About 20 conditions are tested per world: at 99.9% confidence each, all noise intervals
        // cover 1 with a chance of about 98% (Bonferroni), while the planted effects stay clear.
        let settings = LiftSettings {
            confidence: 0.999,
            ..LiftSettings::default()
        };
        let found = lift(&profit, &attributes, &settings);
        let of = |attribute: &str, value: &str| {
            found
                .iter()
                .find(|l| {
                    l.attribute == attribute
                        && matches!(&l.condition, Condition::In { values } | Condition::Contains { values } if values[0] == value)
                })
                .unwrap_or_else(|| panic!("{attribute} {value}"))
        };
        assert_eq!(found[0].attribute, "industry", "seed {seed}: {:?}", found[0]);
        assert!(of("industry", "Logistics").ci[0] > 2.0, "seed {seed}");
        assert!(of("technologies", "Kubernetes").ci[0] > 1.3, "seed {seed}");
        assert!(of("industry", "Retail").ci[1] < 1.0, "seed {seed}");
        // Go is on every account: lift exactly 1. Colour and size were not planted.
        assert!((of("technologies", "Go").lift - 1.0).abs() < 1e-12);
        for l in found
            .iter()
            .filter(|l| l.attribute == "colour" || l.attribute == "employees")
        {
            assert!(l.ci[0] < 1.0 && l.ci[1] > 1.0, "seed {seed}: noise {l:?}");
        }
    }
}
