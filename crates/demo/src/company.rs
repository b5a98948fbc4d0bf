//! The demo company's accounts and prospects, with their planted segments.

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal};

/// The planted segment an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Logistics and Wholesale, 200–5,000 employees: the profitable core.
    Core,
    /// Large Retail and Financial Services: most revenue, negative profit.
    Enterprise,
    /// Under 50 employees: small, costly to serve, quick to churn.
    Small,
    /// Everything else: modestly profitable.
    Mid,
}

/// The economics that drive a segment's tables.
pub struct Economics {
    /// Annual contract value per employee.
    pub price_per_employee: f64,
    /// Direct cost as a share of each invoice (hosting, discounts given as credits).
    pub cost_ratio: f64,
    /// Yearly churn hazard.
    pub churn_per_year: f64,
    /// Support tickets per year.
    pub tickets_per_year: f64,
    /// Account-management hours per year.
    pub management_hours_per_year: f64,
    /// Custom integrations per year.
    pub integrations_per_year: f64,
    /// Onboarding hours, once.
    pub onboarding_hours: f64,
    /// Days from first contact to signature.
    pub sales_cycle_days: (i64, i64),
    /// Share of deals won.
    pub win_rate: f64,
    /// Typical NPS answer.
    pub nps: f64,
}

impl Segment {
    /// The segment's economics.
    pub fn economics(self) -> Economics {
        match self {
            Segment::Core => Economics {
                price_per_employee: 60.0,
                cost_ratio: 0.15,
                churn_per_year: 0.06,
                tickets_per_year: 10.0,
                management_hours_per_year: 6.0,
                integrations_per_year: 0.0,
                onboarding_hours: 20.0,
                sales_cycle_days: (25, 60),
                win_rate: 0.40,
                nps: 9.0,
            },
            Segment::Enterprise => Economics {
                price_per_employee: 40.0,
                cost_ratio: 0.55,
                churn_per_year: 0.15,
                tickets_per_year: 600.0,
                management_hours_per_year: 900.0,
                integrations_per_year: 2.0,
                onboarding_hours: 600.0,
                sales_cycle_days: (120, 270),
                win_rate: 0.15,
                nps: 5.5,
            },
            Segment::Small => Economics {
                price_per_employee: 90.0,
                cost_ratio: 0.25,
                churn_per_year: 0.45,
                tickets_per_year: 14.0,
                management_hours_per_year: 0.0,
                integrations_per_year: 0.0,
                onboarding_hours: 6.0,
                sales_cycle_days: (3, 20),
                win_rate: 0.25,
                nps: 7.0,
            },
            Segment::Mid => Economics {
                price_per_employee: 50.0,
                cost_ratio: 0.25,
                churn_per_year: 0.12,
                tickets_per_year: 16.0,
                management_hours_per_year: 10.0,
                integrations_per_year: 0.0,
                onboarding_hours: 30.0,
                sales_cycle_days: (30, 90),
                win_rate: 0.30,
                nps: 7.5,
            },
        }
    }
}

/// One company, customer or prospect.
#[derive(Debug, Clone)]
pub struct Account {
    /// `A0000001` for customers, `P0000001` for prospects.
    pub id: String,
    /// Planted segment.
    pub segment: Segment,
    /// Company name.
    pub name: String,
    /// Industry.
    pub industry: &'static str,
    /// Head count.
    pub employees: u64,
    /// Country.
    pub country: &'static str,
    /// Year founded.
    pub founded_year: i32,
    /// B2B, B2C or B2B2C.
    pub business_model: &'static str,
    /// Technologies in use.
    pub technologies: Vec<&'static str>,
    /// Trucks operated, for logistics companies (a custom attribute).
    pub fleet_size: Option<u64>,
    /// First day as a customer.
    pub customer_since: NaiveDate,
    /// Day the customer left, if it did.
    pub churned_at: Option<NaiveDate>,
    /// How the customer was won.
    pub channel: &'static str,
    /// The account that referred it.
    pub referred_by: Option<String>,
    /// Published case study.
    pub case_study_url: Option<String>,
}

impl Account {
    /// Annual contract value.
    pub fn annual_value(&self) -> f64 {
        self.employees as f64 * self.segment.economics().price_per_employee
    }
}

/// The demo's first and last day.
pub fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default()
}

/// The day the data were exported.
pub fn end_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default()
}

/// All companies of the demo.
pub struct Company {
    /// Customers (current and churned), in order of acquisition.
    pub customers: Vec<Account>,
    /// Companies not yet customers.
    pub prospects: Vec<Account>,
}

const COUNTRIES: &[(&str, f64)] = &[
    ("US", 0.45),
    ("UK", 0.15),
    ("DE", 0.12),
    ("CA", 0.08),
    ("FR", 0.08),
    ("NL", 0.06),
    ("AU", 0.06),
];
const MID_INDUSTRIES: &[&str] = &[
    "Manufacturing",
    "Healthcare",
    "Education",
    "Media",
    "Construction",
    "Retail",
];
const FIRST: &[&str] = &[
    "Blue", "North", "Iron", "Swift", "Silver", "Harbor", "Summit", "Cedar", "Atlas", "Bright", "Red",
    "Granite",
];
const SECOND: &[&str] = &[
    "River", "Peak", "Bridge", "Field", "Stone", "Gate", "Wave", "Line", "Point", "Works", "Star", "Ridge",
];

impl Company {
    /// Generates `customers` customers (and half as many prospects) from `seed`.
    pub fn generate(customers: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let span = (end_date() - Duration::days(90) - start_date()).num_days();
        let mut days: Vec<i64> = (0..customers).map(|_| rng.random_range(0..span)).collect();
        days.sort_unstable();
        let mut list: Vec<Account> = Vec::with_capacity(customers);
        for (i, day) in days.into_iter().enumerate() {
            let segment = pick_segment(&mut rng);
            let since = start_date() + Duration::days(day);
            let mut account = company(&mut rng, format!("A{:07}", i + 1), segment, since);
            let churn = Exp::new(segment.economics().churn_per_year / 365.25).map(|e| e.sample(&mut rng));
            let life = churn.unwrap_or(f64::MAX).min(1e6) as i64;
            let churned = since + Duration::days(life.max(30));
            account.churned_at = (churned < end_date()).then_some(churned);
            account.channel = pick_channel(&mut rng, segment);
            if account.channel == "referral" && i > 0 {
                let referrer = referrer(&mut rng, &list);
                account.referred_by = Some(referrer);
            } else if account.channel == "referral" {
                account.channel = "outbound";
            }
            if segment == Segment::Core && account.churned_at.is_none() && rng.random_bool(0.05) {
                account.case_study_url = Some(format!(
                    "https://routewise.example/customers/{}",
                    account.id.to_lowercase()
                ));
            }
            list.push(account);
        }
        let prospects = (0..customers / 2)
            .map(|i| {
                let segment = pick_segment(&mut rng);
                company(&mut rng, format!("P{:07}", i + 1), segment, end_date())
            })
            .collect();
        Self {
            customers: list,
            prospects,
        }
    }
}

/// `n` prospects drawn as the demo company's prospects are, one at a time, from their
/// own stream of `seed`: a list as large as wanted, in bounded memory.
pub fn prospects(n: usize, seed: u64) -> impl Iterator<Item = Account> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(move |i| {
        let segment = pick_segment(&mut rng);
        company(&mut rng, format!("P{:09}", i + 1), segment, end_date())
    })
}

fn pick_segment(rng: &mut ChaCha8Rng) -> Segment {
    match rng.random::<f64>() {
        x if x < 0.25 => Segment::Core,
        x if x < 0.35 => Segment::Enterprise,
        x if x < 0.70 => Segment::Small,
        _ => Segment::Mid,
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted(rng: &mut ChaCha8Rng, items: &[(&'static str, f64)]) -> &'static str {
    let mut x = rng.random::<f64>() * items.iter().map(|(_, w)| w).sum::<f64>();
    for (item, weight) in items {
        if x < *weight {
            return item;
        }
        x -= weight;
    }
    items[items.len() - 1].0
}

fn pick_channel(rng: &mut ChaCha8Rng, segment: Segment) -> &'static str {
    let weights: &[(&str, f64)] = match segment {
        Segment::Core => &[
            ("referral", 0.45),
            ("partner", 0.15),
            ("outbound", 0.25),
            ("events", 0.15),
        ],
        Segment::Enterprise => &[("outbound", 0.8), ("events", 0.2)],
        Segment::Small => &[("paid_search", 0.75), ("referral", 0.1), ("partner", 0.15)],
        Segment::Mid => &[
            ("outbound", 0.35),
            ("paid_search", 0.25),
            ("events", 0.2),
            ("referral", 0.2),
        ],
    };
    weighted(rng, weights)
}

/// An earlier customer, more often a core one: referrals come from happy customers.
fn referrer(rng: &mut ChaCha8Rng, earlier: &[Account]) -> String {
    for _ in 0..4 {
        let candidate = pick(rng, earlier);
        if candidate.segment == Segment::Core {
            return candidate.id.clone();
        }
    }
    pick(rng, earlier).id.clone()
}

fn log_uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> u64 {
    (low.ln() + rng.random::<f64>() * (high.ln() - low.ln()))
        .exp()
        .round() as u64
}

fn company(rng: &mut ChaCha8Rng, id: String, segment: Segment, since: NaiveDate) -> Account {
    let (industry, employees) = match segment {
        Segment::Core => (
            *pick(rng, &["Logistics", "Logistics", "Wholesale"]),
            log_uniform(rng, 200.0, 5000.0),
        ),
        Segment::Enterprise => (
            *pick(rng, &["Retail", "Financial Services"]),
            log_uniform(rng, 5001.0, 60000.0),
        ),
        Segment::Small => {
            let industries = [
                "Logistics",
                "Wholesale",
                "Retail",
                "Manufacturing",
                "Media",
                "Education",
            ];
            (*pick(rng, &industries), log_uniform(rng, 3.0, 49.0))
        }
        Segment::Mid => (*pick(rng, MID_INDUSTRIES), log_uniform(rng, 50.0, 4000.0)),
    };
    let stack: &[(&str, f64)] = match segment {
        Segment::Core => &[
            ("Kubernetes", 0.8),
            ("AWS", 0.6),
            ("Snowflake", 0.3),
            ("Salesforce", 0.3),
        ],
        Segment::Enterprise => &[("SAP", 0.8), ("Oracle", 0.6), ("Azure", 0.5), ("Salesforce", 0.4)],
        Segment::Small => &[("Shopify", 0.5), ("HubSpot", 0.5), ("Google Workspace", 0.6)],
        Segment::Mid => &[
            ("AWS", 0.4),
            ("Azure", 0.3),
            ("HubSpot", 0.3),
            ("Kubernetes", 0.15),
            ("SAP", 0.15),
        ],
    };
    let technologies = stack
        .iter()
        .filter(|(_, p)| rng.random_bool(*p))
        .map(|(t, _)| *t)
        .collect();
    let suffix = match industry {
        "Logistics" => "Freight",
        "Wholesale" => "Supply",
        "Retail" => "Stores",
        "Financial Services" => "Capital",
        _ => "Group",
    };
    let name = format!("{} {} {suffix}", pick(rng, FIRST), pick(rng, SECOND));
    let fleet_size = (industry == "Logistics").then(|| {
        let per_hundred = LogNormal::new(1.5, 0.5).map(|d| d.sample(rng)).unwrap_or(4.0);
        (employees as f64 * per_hundred / 100.0).ceil() as u64
    });
    let business_model = match segment {
        Segment::Enterprise if industry == "Retail" => "B2C",
        _ if rng.random_bool(0.1) => "B2B2C",
        _ => "B2B",
    };
    Account {
        id,
        segment,
        name,
        industry,
        employees,
        country: weighted(rng, COUNTRIES),
        founded_year: rng.random_range(1950..2021),
        business_model,
        technologies,
        fleet_size,
        customer_since: since,
        churned_at: None,
        channel: "outbound",
        referred_by: None,
        case_study_url: None,
    }
}
