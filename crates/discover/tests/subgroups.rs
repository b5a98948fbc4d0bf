//! Subgroup search on synthetic companies with a planted profitable segment and a high-revenue
//! trap: the planted conjunction comes first, the trap never appears, and noise finds nothing.

use northstar_discover::{Attribute, Condition, SubgroupSettings, Values, subgroups};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct World {
    profit: Vec<f64>,
    revenue: Vec<f64>,
    attributes: Vec<Attribute>,
}

/// Profitable when Logistics *and* 200 to 2,000 employees; enterprise accounts (> 5,000) have
/// the most revenue but lose money; `planted` false gives profit unrelated to any attribute.
fn world(seed: u64, planted: bool) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = 3000;
    let (mut industry, mut employees, mut region, mut profit, mut revenue) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let ind = ["Logistics", "Retail", "Finance", "Media", "Wholesale"][rng.random_range(0..5)];
        let emp = 10f64.powf(rng.random_range(1.0..4.2)).round();
        let mut p = rng.random_range(-100.0..100.0);
        let mut r = emp * 50.0;
        if planted {
            if ind == "Logistics" && (200.0..=2000.0).contains(&emp) {
                p += 400.0;
            }
            if emp > 5000.0 {
                p -= 300.0;
                r *= 4.0;
            }
        }
        industry.push(Some(ind.into()));
        employees.push(Some(emp));
        region.push(Some(
            ["north", "south", "east", "west"][rng.random_range(0..4)].into(),
        ));
        profit.push(p);
        revenue.push(r);
    }
    World {
        profit,
        revenue,
        attributes: vec![
            Attribute {
                name: "industry".into(),
                values: Values::Categorical(industry),
            },
            Attribute {
                name: "employees".into(),
                values: Values::Numeric(employees),
            },
            Attribute {
                name: "region".into(),
                values: Values::Categorical(region),
            },
        ],
    }
}

#[test]
fn the_planted_segment_is_found_first_and_the_trap_is_left_out() {
    for seed in [11u64, 12, 13] {
        let w = world(seed, true);
        let found = subgroups(&w.profit, &w.attributes, &SubgroupSettings::default());
        assert!(!found.is_empty(), "seed {seed}");
        let first = &found[0];
        let names: Vec<&str> = first.conditions.iter().map(|(a, _)| a.as_str()).collect();
        assert!(
            names.contains(&"industry") && names.contains(&"employees"),
            "seed {seed}: {}",
            first.describe()
        );
        assert!(first.conditions.iter().any(|(_, c)| *c
            == Condition::In {
                values: vec!["Logistics".into()]
            }));
        assert!(first.p_value < 1e-6, "seed {seed}");
        // The trap: the most revenue per account, and no reported subgroup is made of it.
        let trap: Vec<usize> = (0..w.profit.len())
            .filter(|&i| w.revenue[i] > 5000.0 * 50.0 * 4.0)
            .collect();
        assert!(!trap.is_empty());
        for s in &found {
            let in_trap = s.members.iter().filter(|i| trap.binary_search(i).is_ok()).count();
            assert!(
                in_trap * 5 < s.members.len(),
                "seed {seed}: {} is mostly the trap",
                s.describe()
            );
            assert!(s.mean_objective > 0.0 && s.quality > 0.0);
        }
        // Folded: no two reported subgroups share nearly all their accounts.
        for (i, a) in found.iter().enumerate() {
            for b in &found[i + 1..] {
                let both = a
                    .members
                    .iter()
                    .filter(|m| b.members.binary_search(m).is_ok())
                    .count() as f64;
                let union = (a.members.len() + b.members.len()) as f64 - both;
                assert!(both / union < 0.9);
            }
        }
    }
}

#[test]
fn noise_gives_no_significant_subgroup() {
    for seed in [21u64, 22, 23] {
        let w = world(seed, false);
        let found = subgroups(&w.profit, &w.attributes, &SubgroupSettings::default());
        assert!(
            found.is_empty(),
            "seed {seed}: {:?}",
            found.iter().map(|s| s.describe()).collect::<Vec<_>>()
        );
    }
}
