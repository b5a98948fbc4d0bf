//! What the rules of one column do to an account, worked out once per value: per distinct text,
//! or per region between the cut points of a numeric column.

use crate::kind::Kind;

/// What a rule's verdict does to an account's fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A filter: failed, the account is outside the SAM.
    Filter,
    /// A condition of an anti-ICP segment excluded from the SAM, as this bit of [`Effect::met`].
    Excluding(u32),
    /// A rule the fit does not need (a condition of an anti-ICP segment that only warns).
    Ignored,
    /// A signal of these points.
    Signal(i64),
}

/// What the rules of one column do to an account with one value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effect {
    /// The points of the signals met.
    pub points: i64,
    /// A filter failed.
    pub fails: bool,
    /// A filter has no verdict: the value is unknown.
    pub unknown: bool,
    /// The bits of the excluding anti-ICP conditions met.
    pub met: u64,
}

impl Effect {
    /// The effect of rules' verdicts on a value: each `(rule, verdict)`, the rule's position in
    /// `roles`.
    pub fn of(roles: &[Role], verdicts: impl IntoIterator<Item = (usize, Option<bool>)>) -> Self {
        let mut effect = Effect::default();
        for (rule, met) in verdicts {
            match roles[rule] {
                Role::Filter => {
                    effect.fails |= met == Some(false);
                    effect.unknown |= met.is_none();
                }
                Role::Excluding(bit) if met == Some(true) => effect.met |= 1 << bit,
                Role::Signal(points) if met == Some(true) => effect.points += points,
                Role::Excluding(_) | Role::Signal(_) | Role::Ignored => {}
            }
        }
        effect
    }
}

/// The cut points of a numeric column: every bound and listed number of its tests, so that each
/// test gives the same verdict to every value of a region (a cut point, or the open interval
/// between two).
#[derive(Debug, Clone, PartialEq)]
pub struct Cuts {
    points: Vec<f64>,
}

/// Up to this many cut points, a value's region is found by counting, without branches.
const FEW_CUTS: usize = 16;

impl Cuts {
    /// The cut points of `tests`.
    pub fn new<'a>(tests: impl IntoIterator<Item = &'a Kind>) -> Self {
        let mut points: Vec<f64> = tests
            .into_iter()
            .flat_map(|kind| match kind {
                Kind::Range { min, max } => vec![*min, *max],
                Kind::Categories { numbers, .. } | Kind::Elements { numbers, .. } => numbers.clone(),
                Kind::Equals { number, .. } => number.iter().copied().collect(),
            })
            .filter(|x| !x.is_nan())
            .collect();
        points.sort_by(f64::total_cmp);
        points.dedup();
        Self { points }
    }

    /// How many regions there are: below, at and above each cut point, and not a number.
    pub fn regions(&self) -> usize {
        2 * self.points.len() + 2
    }

    /// A value of region `r`; any value of an empty region (between two adjacent doubles).
    pub fn representative(&self, r: usize) -> f64 {
        let m = self.points.len();
        match r {
            r if r == 2 * m + 1 => f64::NAN,
            r if r % 2 == 1 => self.points[r / 2],
            r if r / 2 < m => self.points[r / 2].next_down(),
            _ => self.points.last().map_or(0.0, |x| x.next_up()),
        }
    }

    /// The region of each of `values` into `out` (of the same length), as [`Cuts::region`]
    /// gives it: with few cut points, a pass over the values for each point, adding 2 where the
    /// value is above it and 1 where it is the point, a loop the compiler runs on several values
    /// at once.
    pub fn regions_of(&self, values: &[f64], out: &mut [u32]) {
        if self.points.len() > FEW_CUTS {
            for (region, x) in out.iter_mut().zip(values) {
                *region = self.region(*x);
            }
            return;
        }
        out.fill(0);
        for p in &self.points {
            for (region, x) in out.iter_mut().zip(values) {
                *region += 2 * u32::from(*p < *x) + u32::from(*p == *x);
            }
        }
        let not_a_number = (self.regions() - 1) as u32;
        for (region, x) in out.iter_mut().zip(values) {
            *region = if x.is_nan() { not_a_number } else { *region };
        }
    }

    /// The region of `x`: 2i for the values between cut points i − 1 and i, 2i + 1 for cut point
    /// i itself, the last for not a number.
    pub fn region(&self, x: f64) -> u32 {
        if x.is_nan() {
            return (2 * self.points.len() + 1) as u32;
        }
        let below = if self.points.len() <= FEW_CUTS {
            self.points.iter().map(|p| usize::from(*p < x)).sum()
        } else {
            self.points.partition_point(|p| *p < x)
        };
        let at = self.points.get(below) == Some(&x);
        (2 * below + usize::from(at)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_a_region_shares_its_representatives_verdicts() {
        let tests = [
            Kind::Range { min: 10.0, max: 20.0 },
            Kind::Range {
                min: f64::NEG_INFINITY,
                max: 10.0,
            },
            Kind::Equals {
                text: "15".into(),
                number: Some(15.0),
            },
        ];
        let cuts = Cuts::new(&tests);
        assert_eq!(cuts.points, vec![f64::NEG_INFINITY, 10.0, 15.0, 20.0]);
        assert_eq!(cuts.regions(), 10);
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            9.999,
            10.0,
            12.0,
            15.0,
            17.5,
            20.0,
            20.5,
            f64::INFINITY,
            f64::NAN,
        ];
        let expected = [1, 2, 2, 3, 4, 5, 6, 7, 8, 8, 9];
        let mut regions = vec![0; values.len()];
        cuts.regions_of(&values, &mut regions);
        assert_eq!(regions, expected);
        for (x, region) in values.iter().zip(expected) {
            assert_eq!(cuts.region(*x), region, "region of {x}");
            let r = cuts.representative(region as usize);
            assert_eq!(cuts.region(r), region, "representative of {region}");
            for kind in &tests {
                assert_eq!(kind.matches_number(*x), kind.matches_number(r), "{kind:?} at {x}");
            }
        }
    }

    #[test]
    fn a_column_of_many_cut_points_is_searched_as_one_of_few_is_counted() {
        let tests: Vec<Kind> = (0..40)
            .map(|i| Kind::Range {
                min: f64::from(i),
                max: f64::from(i) + 0.5,
            })
            .collect();
        let cuts = Cuts::new(&tests);
        assert_eq!(cuts.region(-1.0), 0);
        assert_eq!(cuts.region(0.0), 1);
        assert_eq!(cuts.region(0.25), 2);
        assert_eq!(cuts.region(39.5), 159);
        assert_eq!(cuts.region(100.0), 160);
        let values = [-1.0, 0.0, 0.25, 39.5, 100.0, f64::NAN];
        let mut regions = [0; 6];
        cuts.regions_of(&values, &mut regions);
        assert_eq!(regions, [0, 1, 2, 159, 160, 161]);
    }

    #[test]
    fn effects_add_the_points_met_and_say_which_filter_failed_or_had_no_verdict() {
        let tests = [
            (0, Kind::Range { min: 0.0, max: 5.0 }),
            (1, Kind::Range { min: 3.0, max: 9.0 }),
            (2, Kind::Range { min: 4.0, max: 9.0 }),
            (3, Kind::Range { min: 0.0, max: 9.0 }),
        ];
        let roles = [
            Role::Filter,
            Role::Signal(7),
            Role::Excluding(3),
            Role::Signal(-2),
        ];
        let at = |x: f64| Effect::of(&roles, tests.iter().map(|(i, k)| (*i, Some(k.matches_number(x)))));
        assert_eq!(
            at(4.0),
            Effect {
                points: 5,
                fails: false,
                unknown: false,
                met: 8
            }
        );
        assert_eq!(
            at(6.0),
            Effect {
                points: 5,
                fails: true,
                unknown: false,
                met: 8
            }
        );
        let unknown = Effect::of(&roles, tests.iter().map(|(i, _)| (*i, None)));
        assert_eq!(
            unknown,
            Effect {
                unknown: true,
                ..Effect::default()
            }
        );
    }
}
