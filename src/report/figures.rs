//! Every figure of a report under a stable key, and the differences between two reports.
//!
//! Keys name what a figure is about, not where it sits in a list, so that the same figure is
//! found in two reports: `voluntary.donors[organizations/belgium].paid`,
//! `flexibility.categories[1].share`, `results[programmes/avr/indicators/returns].actual`.

use std::collections::BTreeMap;

use crate::pb;

/// Which figures to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Totals and per-donor, per-Member-State, per-category, per-indicator figures: what can be
    /// compared across sessions (section 8).
    Summary,
    /// Every figure, down to each converted line and installment (DiffReports).
    All,
}

struct Figures {
    scope: Scope,
    out: BTreeMap<String, String>,
}

impl Figures {
    fn summary(&mut self, key: String, value: &str) {
        self.out.insert(key, value.to_owned());
    }

    /// The amount and the share of one part of a whole: `{key}.amount` and `{key}.share`.
    fn part(&mut self, key: String, amount: &str, share: &str) {
        self.summary(format!("{key}.amount"), amount);
        self.summary(format!("{key}.share"), share);
    }

    fn detail(&mut self, key: String, value: &str) {
        if self.scope == Scope::All {
            self.out.insert(key, value.to_owned());
        }
    }
}

fn money(m: &Option<pb::Money>) -> String {
    m.as_ref()
        .map(|m| format!("{} {}", m.currency_code, m.amount))
        .unwrap_or_default()
}

/// The figures of a report (section 8 itself excluded), by key.
pub fn figures(content: &pb::ReportContent, scope: Scope) -> BTreeMap<String, String> {
    let mut f = Figures {
        scope,
        out: BTreeMap::new(),
    };
    if let Some(h) = &content.header {
        // Two reports of one session at different status dates differ for that reason first.
        f.detail("header.status_date".into(), &h.status_date);
        for r in &h.rates_used {
            f.detail(format!("header.rates[{}]", r.exchange_rate), &r.rate);
        }
    }
    if let Some(a) = &content.assessed_contributions {
        f.summary(
            "assessed.total_outstanding_at_year_start".into(),
            &a.total_outstanding_at_year_start,
        );
        f.summary(
            "assessed.total_assessed_in_year".into(),
            &a.total_assessed_in_year,
        );
        f.summary(
            "assessed.total_received_in_year".into(),
            &a.total_received_in_year,
        );
        f.summary(
            "assessed.total_outstanding_at_status_date".into(),
            &a.total_outstanding_at_status_date,
        );
        f.summary("assessed.total_arrears".into(), &a.total_arrears);
        f.summary(
            "assessed.article_4_count".into(),
            &a.article_4_count.to_string(),
        );
        for l in &a.member_states {
            let k = format!("assessed.member_states[{}]", l.member_state);
            f.summary(
                format!("{k}.outstanding_at_year_start"),
                &l.outstanding_at_year_start,
            );
            f.summary(format!("{k}.assessed_in_year"), &l.assessed_in_year);
            f.summary(format!("{k}.received_in_year"), &l.received_in_year);
            f.summary(
                format!("{k}.outstanding_at_status_date"),
                &l.outstanding_at_status_date,
            );
            f.summary(format!("{k}.arrears"), &l.arrears);
            f.summary(format!("{k}.article_4"), &l.article_4.to_string());
        }
    }
    if let Some(v) = &content.voluntary_contributions {
        f.summary("voluntary.total_paid".into(), &v.total_paid);
        f.summary("voluntary.total_committed".into(), &v.total_committed);
        for d in &v.donors {
            f.summary(format!("voluntary.donors[{}].paid", d.donor), &d.paid);
            f.summary(
                format!("voluntary.donors[{}].committed", d.donor),
                &d.committed,
            );
        }
        for (list, lines) in [("paid", &v.paid), ("committed", &v.committed)] {
            for l in lines {
                let k = format!(
                    "voluntary.{list}[{}/{}/{}/{}/{}]",
                    l.donor,
                    l.earmarking_category,
                    l.earmarking_modality,
                    l.original
                        .as_ref()
                        .map(|m| m.currency_code.as_str())
                        .unwrap_or_default(),
                    l.month
                );
                f.detail(format!("{k}.original"), &money(&l.original));
                f.detail(format!("{k}.amount"), &l.amount);
            }
        }
        for p in &v.pledges {
            f.detail(
                format!("voluntary.pledges[{}]", p.contribution),
                &money(&p.amount),
            );
        }
    }
    if let Some(x) = &content.flexibility {
        f.summary("flexibility.total".into(), &x.total);
        f.summary("flexibility.flexible_share".into(), &x.flexible_share);
        for c in &x.categories {
            let k = format!("flexibility.categories[{}]", c.category);
            f.part(k, &c.amount, &c.share);
        }
        for m in &x.modalities {
            let k = format!("flexibility.modalities[{}]", m.modality);
            f.part(k, &m.amount, &m.share);
        }
    }
    if let Some(m) = &content.multi_year_commitments {
        f.summary("multi_year.total_outstanding".into(), &m.total_outstanding);
        f.summary("multi_year.total".into(), &m.total);
        for d in &m.donors {
            f.summary(format!("multi_year.donors[{}].total", d.donor), &d.total);
        }
        // Per contribution: figures of a stored content only when it predates the schedules'
        // move to the exports' annex.
        for s in &m.schedules {
            let k = format!("multi_year.schedules[{}]", s.contribution);
            f.detail(format!("{k}.received"), &money(&s.received));
            f.detail(format!("{k}.outstanding"), &money(&s.outstanding));
            for i in &s.installments {
                f.detail(
                    format!("{k}.installments[{}].paid", i.due_date),
                    &money(&i.paid),
                );
                f.detail(
                    format!("{k}.installments[{}].status", i.due_date),
                    &i.status.to_string(),
                );
            }
        }
    }
    if let Some(u) = &content.use_of_unearmarked_funding {
        f.summary("unearmarked.received".into(), &u.unearmarked_received);
        f.summary("unearmarked.total_allocated".into(), &u.total_allocated);
        f.summary("unearmarked.unallocated".into(), &u.unallocated);
        for o in &u.objectives {
            let k = format!("unearmarked.objectives[{}]", o.srf_objective);
            f.part(k, &o.amount, &o.share);
        }
        for a in &u.allocations {
            f.detail(
                format!("unearmarked.allocations[{}].amount", a.allocation),
                &a.amount,
            );
        }
    }
    if let Some(r) = &content.programme_results {
        for p in &r.programmes {
            for i in &p.indicators {
                let k = format!("results[{}]", i.indicator);
                if let Some(t) = &i.total {
                    f.summary(format!("{k}.target"), &t.target);
                    f.summary(format!("{k}.actual"), &t.actual);
                    f.summary(format!("{k}.achievement"), &t.achievement);
                    f.summary(format!("{k}.verified"), &t.verified.to_string());
                }
                for d in &i.disaggregation {
                    let dims: Vec<String> = d
                        .dimensions
                        .iter()
                        .map(|v| format!("{}={}", v.name, v.value))
                        .collect();
                    if let Some(t) = &d.figures {
                        f.detail(format!("{k}[{}].actual", dims.join(";")), &t.actual);
                        f.detail(format!("{k}[{}].target", dims.join(";")), &t.target);
                    }
                }
            }
        }
    }
    if let Some(q) = &content.data_quality {
        // The counts are whole; the entries of a stored content are a sample of each kind.
        let count: i32 = if q.counts.is_empty() {
            q.issues.len() as i32
        } else {
            q.counts.iter().map(|c| c.count).sum()
        };
        f.summary("data_quality.count".into(), &count.to_string());
        // One subject may have several entries of a kind (two overdue installments): one
        // figure holds them all.
        let mut entries: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for i in &q.issues {
            entries
                .entry(format!("data_quality[{}/{}]", i.kind, i.subject))
                .or_default()
                .push(&i.message);
        }
        for (key, messages) in entries {
            f.detail(key, &messages.join(" | "));
        }
    }
    f.out
}

/// Every figure whose value differs between `old` and `new` (added and removed ones included),
/// by key.
pub fn diff(
    old: &pb::ReportContent,
    new: &pb::ReportContent,
    scope: Scope,
) -> Vec<pb::FigureChange> {
    let old = figures(old, scope);
    let new = figures(new, scope);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (old.get(k), new.get(k));
            (o != n).then(|| pb::FigureChange {
                figure: k.clone(),
                old_value: o.cloned().unwrap_or_default(),
                new_value: n.cloned().unwrap_or_default(),
            })
        })
        .collect()
}
