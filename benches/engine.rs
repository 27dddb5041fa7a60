//! Computes 1,000,000 ratings — 100,000 synthetic merchants (~10 inspections, 2 violations, a
//! notice, a complaint and a training each), each rated at 10 different dates — with the default
//! policy and prints ratings/second.
//!
//! Run with `cargo bench --bench engine`. Histories are generated up front so that only the
//! engine is timed.

use std::hint::black_box;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use gongzhi::domain::policy::Policy;
use gongzhi::domain::rating::{
    rate, ComplaintFact, InspectionFact, InspectionKind, MerchantHistory, NoticeFact, Severity, TrainingFact,
    ViolationFact,
};

/// Small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn day(base: NaiveDate, n: u64) -> NaiveDate {
    base.checked_add_days(Days::new(n)).unwrap_or(base)
}

fn merchant(id: i64, rng: &mut Rng, base: NaiveDate) -> MerchantHistory {
    let kinds = InspectionKind::ALL;
    let inspections = (0..10)
        .map(|i| InspectionFact {
            id: id * 100 + i,
            date: day(base, rng.below(700)),
            kind: kinds[rng.below(4) as usize],
            score: 55 + rng.below(46) as i32,
            fhrs: None,
        })
        .collect();
    let violations = (0..2)
        .map(|i| ViolationFact {
            id: id * 100 + i,
            inspection_id: id * 100,
            date: day(base, rng.below(700)),
            severity: Severity::ALL[rng.below(3) as usize],
        })
        .collect();
    let issued = rng.below(700);
    let notices = vec![NoticeFact {
        id,
        issued_on: day(base, issued),
        deadline: day(base, issued + 15),
        verified_on: if rng.below(3) == 0 {
            None
        } else {
            Some(day(base, issued + rng.below(30)))
        },
    }];
    MerchantHistory {
        merchant_id: id,
        alliance_member: rng.below(4) != 0,
        inspections,
        violations,
        notices,
        complaints: vec![ComplaintFact {
            id,
            verified_on: day(base, rng.below(700)),
        }],
        trainings: vec![TrainingFact {
            id,
            date: day(base, rng.below(700)),
            hours_tenths: 10 + rng.below(40) as i32,
        }],
    }
}

fn main() {
    const POOL: usize = 100_000;
    const ROUNDS: usize = 10;
    let policy = Policy::default_policy();
    let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pool: Vec<MerchantHistory> = (0..POOL as i64).map(|id| merchant(id, &mut rng, base)).collect();
    let dates: Vec<NaiveDate> = (0..ROUNDS as u64).map(|r| day(base, 400 + r * 30)).collect();

    let start = Instant::now();
    let mut stars_sum = 0u64;
    let mut black = 0u64;
    for as_of in &dates {
        for h in &pool {
            let r = rate(black_box(h), &policy, *as_of);
            stars_sum += u64::from(r.stars.unwrap_or(0));
            black += u64::from(r.list == gongzhi::domain::rating::ListStatus::Black);
            black_box(&r);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = POOL * ROUNDS;
    println!(
        "rated {n} merchants in {secs:.3} s: {:.0} ratings/second (checksum stars={stars_sum} black={black})",
        n as f64 / secs
    );
}
