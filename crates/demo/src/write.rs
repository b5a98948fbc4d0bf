//! Writing the demo company's tables as CSV files in the input contract's format.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

use crate::DemoError;
use crate::company::{Account, Company, Segment, end_date};

/// What the demo wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoStats {
    /// Rows per table.
    pub rows: BTreeMap<&'static str, u64>,
}

const TICKET_COST: f64 = 30.0;
const ONBOARDING_HOUR_COST: f64 = 95.0;
const MANAGEMENT_HOUR_COST: f64 = 140.0;
const INTEGRATION_COST: f64 = 35_000.0;

/// A CSV file being written, counting its rows.
struct Table {
    out: BufWriter<fs_err::File>,
    rows: u64,
}

impl Table {
    fn create(dir: &Path, name: &str, header: &str) -> Result<Self, DemoError> {
        let mut out =
            BufWriter::with_capacity(1 << 20, fs_err::File::create(dir.join(format!("{name}.csv")))?);
        writeln!(out, "{header}")?;
        Ok(Self { out, rows: 0 })
    }

    fn row(&mut self, args: std::fmt::Arguments<'_>) -> Result<(), DemoError> {
        self.out.write_fmt(args)?;
        self.out.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<u64, DemoError> {
        self.out.flush()?;
        Ok(self.rows)
    }
}

fn day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A random generator for one account and one table, independent of every other.
fn rng_for(seed: u64, index: usize, table: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(
        seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ table.rotate_left(48),
    )
}

fn noise(rng: &mut ChaCha8Rng, spread: f64) -> f64 {
    1.0 + spread * (2.0 * rng.random::<f64>() - 1.0)
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map(|p| p.sample(rng) as u64).unwrap_or(0)
}

/// Writes every table of `company` into `dir`.
pub fn write_all(dir: &Path, company: &Company, seed: u64) -> Result<DemoStats, DemoError> {
    fs_err::create_dir_all(dir)?;
    let mut stats = DemoStats::default();
    stats
        .rows
        .insert("accounts", write_companies(dir, "accounts", &company.customers)?);
    stats.rows.insert(
        "prospects",
        write_companies(dir, "prospects", &company.prospects)?,
    );
    stats
        .rows
        .insert("transactions", write_transactions(dir, company, seed)?);
    let (activities, management_hours) = write_activities(dir, company, seed)?;
    stats.rows.insert("activities", activities);
    stats
        .rows
        .insert("activity_rates", write_rates(dir, management_hours)?);
    stats
        .rows
        .insert("acquisition", write_acquisition(dir, company, seed)?);
    stats.rows.insert("deals", write_deals(dir, company, seed)?);
    stats.rows.insert("nps", write_nps(dir, company, seed)?);
    stats.rows.insert("contacts", write_contacts(dir, company, seed)?);
    stats.rows.insert("signals", write_signals(dir, company, seed)?);
    Ok(stats)
}

fn write_companies(dir: &Path, name: &str, list: &[Account]) -> Result<u64, DemoError> {
    let customers = name == "accounts";
    let mut out = csv::Writer::from_writer(BufWriter::new(fs_err::File::create(
        dir.join(format!("{name}.csv")),
    )?));
    let mut header = vec![
        "account_id",
        "name",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "founded_year",
        "business_model",
        "technologies",
    ];
    if customers {
        header.extend([
            "status",
            "customer_since",
            "churned_at",
            "acquisition_channel",
            "referred_by",
        ]);
    }
    header.extend(["case_study_url", "fleet_size"]);
    out.write_record(&header)?;
    for a in list {
        let mut row = vec![
            a.id.clone(),
            a.name.clone(),
            a.industry.to_owned(),
            a.employees.to_string(),
            format!("{}", a.employees * 150_000),
            a.country.to_owned(),
            a.founded_year.to_string(),
            a.business_model.to_owned(),
            a.technologies.join(";"),
        ];
        if customers {
            row.extend([
                if a.churned_at.is_some() {
                    "churned"
                } else {
                    "customer"
                }
                .to_owned(),
                day(a.customer_since),
                a.churned_at.map(day).unwrap_or_default(),
                a.channel.to_owned(),
                a.referred_by.clone().unwrap_or_default(),
            ]);
        }
        row.push(a.case_study_url.clone().unwrap_or_default());
        row.push(a.fleet_size.map(|f| f.to_string()).unwrap_or_default());
        out.write_record(&row)?;
    }
    out.flush()?;
    Ok(list.len() as u64)
}

/// The last day an account is a customer in the data.
fn last_day(a: &Account) -> NaiveDate {
    a.churned_at.unwrap_or(end_date())
}

fn write_transactions(dir: &Path, company: &Company, seed: u64) -> Result<u64, DemoError> {
    let mut t = Table::create(dir, "transactions", "account_id,date,amount,cost,kind,product")?;
    for (i, a) in company.customers.iter().enumerate() {
        let mut rng = rng_for(seed, i, 1);
        let economics = a.segment.economics();
        let months = if a.segment == Segment::Small { 1 } else { 3 };
        let product = match a.segment {
            Segment::Small => "Starter",
            Segment::Enterprise => "Enterprise",
            _ => "Professional",
        };
        let mut date = a.customer_since;
        let mut first = true;
        while date < last_day(a) {
            let years = (date - a.customer_since).num_days() as f64 / 365.25;
            let amount =
                cents(a.annual_value() * months as f64 / 12.0 * 1.03f64.powf(years) * noise(&mut rng, 0.03));
            let cost = cents(amount * economics.cost_ratio * noise(&mut rng, 0.1));
            let kind = if first { "new" } else { "renewal" };
            t.row(format_args!(
                "{},{},{amount},{cost},{kind},{product}",
                a.id,
                day(date)
            ))?;
            if !first && rng.random_bool(0.04) {
                let extra = cents(a.annual_value() * 0.2 * noise(&mut rng, 0.5));
                let extra_cost = cents(extra * economics.cost_ratio);
                let on = (date + Duration::days(rng.random_range(1..28))).min(last_day(a));
                t.row(format_args!(
                    "{},{},{extra},{extra_cost},expansion,Add-ons",
                    a.id,
                    day(on)
                ))?;
            }
            first = false;
            date = date
                .checked_add_months(chrono::Months::new(months))
                .unwrap_or(end_date());
        }
    }
    t.finish()
}

/// Writes yearly activity totals per account; returns the rows and the total management hours.
fn write_activities(dir: &Path, company: &Company, seed: u64) -> Result<(u64, f64), DemoError> {
    let mut t = Table::create(dir, "activities", "account_id,activity,quantity,date")?;
    let mut management_hours = 0.0;
    for (i, a) in company.customers.iter().enumerate() {
        let mut rng = rng_for(seed, i, 2);
        let e = a.segment.economics();
        let scale = if a.segment == Segment::Enterprise {
            a.employees as f64 / 10_000.0
        } else {
            1.0
        };
        let onboarding = (e.onboarding_hours * scale * noise(&mut rng, 0.3)).round();
        t.row(format_args!(
            "{},onboarding_hour,{onboarding},{}",
            a.id,
            day(a.customer_since)
        ))?;
        for year in a.customer_since.year()..=last_day(a).year() {
            let from = a
                .customer_since
                .max(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default());
            let to = last_day(a).min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default());
            let share = ((to - from).num_days() as f64 / 365.25).max(0.0);
            if share == 0.0 {
                continue;
            }
            let tickets = poisson(&mut rng, e.tickets_per_year * scale * share);
            if tickets > 0 {
                t.row(format_args!("{},support_ticket,{tickets},{}", a.id, day(to)))?;
            }
            if e.management_hours_per_year > 0.0 {
                let hours = (e.management_hours_per_year * scale * share * noise(&mut rng, 0.3)).round();
                management_hours += hours;
                t.row(format_args!(
                    "{},account_management_hour,{hours},{}",
                    a.id,
                    day(to)
                ))?;
            }
            let integrations = poisson(&mut rng, e.integrations_per_year * scale.sqrt() * share);
            if integrations > 0 {
                t.row(format_args!(
                    "{},custom_integration,{integrations},{}",
                    a.id,
                    day(to)
                ))?;
            }
        }
    }
    Ok((t.finish()?, management_hours))
}

fn write_rates(dir: &Path, management_hours: f64) -> Result<u64, DemoError> {
    let mut t = Table::create(dir, "activity_rates", "activity,unit_cost,pool_cost")?;
    t.row(format_args!("support_ticket,{TICKET_COST},"))?;
    t.row(format_args!("onboarding_hour,{ONBOARDING_HOUR_COST},"))?;
    t.row(format_args!("custom_integration,{INTEGRATION_COST},"))?;
    // The account-management team is a cost pool, shared by the hours each account used.
    t.row(format_args!(
        "account_management_hour,,{}",
        cents(management_hours * MANAGEMENT_HOUR_COST)
    ))?;
    t.finish()
}

fn write_acquisition(dir: &Path, company: &Company, seed: u64) -> Result<u64, DemoError> {
    let mut t = Table::create(dir, "acquisition", "account_id,cac,channel,month,spend")?;
    let mut spend: BTreeMap<(&str, String), f64> = BTreeMap::new();
    for (i, a) in company.customers.iter().enumerate() {
        let mut rng = rng_for(seed, i, 3);
        let cac = match (a.channel, a.segment) {
            ("outbound", Segment::Enterprise) => 20.0 * a.employees as f64,
            ("outbound", Segment::Core) => 15_000.0,
            ("outbound", _) => 12_000.0,
            ("referral", _) => 1_500.0,
            ("partner", _) => 0.15 * a.annual_value(),
            (channel, _) => {
                let per_account = if channel == "events" { 8_000.0 } else { 2_000.0 };
                let month = format!("{:04}-{:02}", a.customer_since.year(), a.customer_since.month());
                *spend.entry((channel, month)).or_default() += per_account * noise(&mut rng, 0.4);
                continue;
            }
        };
        t.row(format_args!("{},{},,,", a.id, cents(cac * noise(&mut rng, 0.2))))?;
    }
    for ((channel, month), amount) in spend {
        t.row(format_args!(",,{channel},{month},{}", cents(amount)))?;
    }
    t.finish()
}

fn write_deals(dir: &Path, company: &Company, seed: u64) -> Result<u64, DemoError> {
    let mut t = Table::create(dir, "deals", "deal_id,account_id,created,closed,stage,amount")?;
    let mut next = 0u64;
    let mut id = || {
        next += 1;
        format!("D{next:08}")
    };
    for (i, a) in company.customers.iter().enumerate() {
        let mut rng = rng_for(seed, i, 4);
        let e = a.segment.economics();
        let cycle = rng.random_range(e.sales_cycle_days.0..=e.sales_cycle_days.1);
        let created = a.customer_since - Duration::days(cycle);
        let amount = cents(a.annual_value());
        t.row(format_args!(
            "{},{},{},{},won,{amount}",
            id(),
            a.id,
            day(created),
            day(a.customer_since)
        ))?;
        for _ in 0..poisson(&mut rng, (1.0 - e.win_rate) / e.win_rate) {
            let prospect = &company.prospects[rng.random_range(0..company.prospects.len().max(1))];
            let cycle = rng.random_range(e.sales_cycle_days.0..=e.sales_cycle_days.1) + 15;
            let closed = a.customer_since + Duration::days(rng.random_range(-60..60));
            let created = closed - Duration::days(cycle);
            let lost = cents(prospect.annual_value());
            t.row(format_args!(
                "{},{},{},{},lost,{lost}",
                id(),
                prospect.id,
                day(created),
                day(closed.min(end_date()))
            ))?;
        }
    }
    for (i, p) in company.prospects.iter().enumerate() {
        let mut rng = rng_for(seed, i, 5);
        if rng.random_bool(0.1) {
            let created = end_date() - Duration::days(rng.random_range(1..90));
            t.row(format_args!(
                "{},{},{},,open,{}",
                id(),
                p.id,
                day(created),
                cents(p.annual_value())
            ))?;
        }
    }
    t.finish()
}

fn write_nps(dir: &Path, company: &Company, seed: u64) -> Result<u64, DemoError> {
    let mut t = Table::create(dir, "nps", "account_id,score,date")?;
    for (i, a) in company.customers.iter().enumerate() {
        let mut rng = rng_for(seed, i, 6);
        let asked = a.customer_since + Duration::days(180);
        if asked >= last_day(a) || !rng.random_bool(0.4) {
            continue;
        }
        let bonus = if a.channel == "referral" { 1.0 } else { 0.0 };
        let draw = Normal::new(a.segment.economics().nps + bonus, 1.5)
            .map(|n| n.sample(&mut rng))
            .unwrap_or(7.0);
        let score = draw.round().clamp(0.0, 10.0);
        t.row(format_args!("{},{score},{}", a.id, day(asked)))?;
    }
    t.finish()
}

fn write_contacts(dir: &Path, company: &Company, seed: u64) -> Result<u64, DemoError> {
    let mut t = Table::create(
        dir,
        "contacts",
        "account_id,contact_id,title,role,department,seniority,person_key",
    )?;
    for (i, a) in company.customers.iter().enumerate() {
        let mut rng = rng_for(seed, i, 7);
        let (decider, payer, user) = match a.segment {
            Segment::Core => (
                ("VP Operations", "Operations"),
                ("CFO", "Finance"),
                ("Dispatcher", "Operations"),
            ),
            Segment::Enterprise => (
                ("CIO", "IT"),
                ("VP Procurement", "Procurement"),
                ("Store Manager", "Operations"),
            ),
            Segment::Small => (
                ("Founder", "Executive"),
                ("Founder", "Executive"),
                ("Office Manager", "Operations"),
            ),
            Segment::Mid => (
                ("Director of IT", "IT"),
                ("Finance Director", "Finance"),
                ("Analyst", "Operations"),
            ),
        };
        let partner = a.segment == Segment::Core && a.channel == "referral" && rng.random_bool(0.3);
        let decider_key = if partner {
            format!("K-ADVISOR-{:02}", rng.random_range(1..=12))
        } else {
            format!("K-{}-1", a.id)
        };
        t.row(format_args!(
            "{},{}-1,{},decider,{},executive,{decider_key}",
            a.id, a.id, decider.0, decider.1
        ))?;
        t.row(format_args!(
            "{},{}-2,{},payer,{},executive,K-{}-2",
            a.id, a.id, payer.0, payer.1, a.id
        ))?;
        for n in 0..rng.random_range(1..=2) {
            t.row(format_args!(
                "{},{}-{},{},user,{},staff,K-{}-{}",
                a.id,
                a.id,
                n + 3,
                user.0,
                user.1,
                a.id,
                n + 3
            ))?;
        }
        if rng.random_bool(0.4) {
            t.row(format_args!(
                "{},{}-9,IT Manager,influencer,IT,manager,K-{}-9",
                a.id, a.id, a.id
            ))?;
        }
    }
    t.finish()
}

fn write_signals(dir: &Path, company: &Company, seed: u64) -> Result<u64, DemoError> {
    let mut t = Table::create(dir, "signals", "account_id,signal,value,date")?;
    for (i, p) in company.prospects.iter().enumerate() {
        let mut rng = rng_for(seed, i, 8);
        let interest = match p.segment {
            Segment::Core => 6.0,
            Segment::Enterprise => 3.0,
            Segment::Small => 2.0,
            Segment::Mid => 3.0,
        };
        let when = |rng: &mut ChaCha8Rng| day(end_date() - Duration::days(rng.random_range(0..60)));
        let visits = poisson(&mut rng, interest);
        if visits > 0 {
            let date = when(&mut rng);
            t.row(format_args!("{},web_visits,{visits},{date}", p.id))?;
        }
        if rng.random_bool(interest / 12.0) {
            let date = when(&mut rng);
            t.row(format_args!("{},pricing_page,1,{date}", p.id))?;
        }
        if rng.random_bool(0.05) {
            let date = when(&mut rng);
            t.row(format_args!("{},competitor_evaluation,1,{date}", p.id))?;
        }
    }
    t.finish()
}
