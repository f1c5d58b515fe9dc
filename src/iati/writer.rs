//! Programmes written as an IATI 2.03 activity document, in the element order the standard's
//! schema requires. The output depends only on the data given: the same data gives the same
//! bytes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use quick_xml::escape::escape;
use rust_decimal::Decimal;

use super::{
    EXTENSION_NS, IOM_NAME, IOM_REF, IOM_TYPE,
    activity::{ActivityDates, Budget, Classified},
};
use crate::domain::{
    contribution::{Contribution, FlowStatus, receipt::Receipt},
    geo::Country,
    money::{Currency, Money},
    programme::{PartnerRole, Programme},
    result::{Indicator, Measure, Measurement, ResultLevel},
    text::Id,
};

/// `vocabulary-uri` of the tag that carries a programme's thematic area.
pub const THEMATIC_AREA_URI: &str = "urn:x-scpf-reports:thematic-area";

/// An organization as an export names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgOut {
    pub id: Id,
    /// IATI organisation identifier; may be empty.
    pub reference: String,
    /// IATI OrganisationType code.
    pub kind: &'static str,
    pub name: String,
    pub member_state: bool,
    pub country: Option<Country>,
}

/// A transaction kept as programme spending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spending {
    pub transaction_type: i16,
    pub reference: String,
    pub date: NaiveDate,
    pub value: Money,
    pub value_date: NaiveDate,
    pub description: String,
    pub provider_ref: String,
    pub provider_name: String,
    pub receiver_ref: String,
    pub receiver_name: String,
}

/// What an incoming transaction said beyond its contribution or receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionNote {
    pub reference: String,
    pub value_date: NaiveDate,
}

/// What IATI said about an imported activity, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredActivity {
    pub identifier: String,
    pub last_updated: Option<DateTime<Utc>>,
    pub reporting_ref: String,
    pub reporting_type: String,
    pub reporting_name: String,
    pub default_currency: Option<Currency>,
    pub status: i16,
    pub dates: ActivityDates,
    pub countries: Vec<(Country, Option<Decimal>)>,
    pub regions: Vec<Classified>,
    pub sectors: Vec<Classified>,
    pub budgets: Vec<Budget>,
    pub spending: Vec<Spending>,
    /// By contribution id, and by receipt id.
    pub contribution_notes: BTreeMap<Id, TransactionNote>,
    pub receipt_notes: BTreeMap<Id, TransactionNote>,
}

/// One programme with everything exported with it.
#[derive(Debug, Clone)]
pub struct ActivityOut {
    pub programme: Programme,
    pub stored: Option<StoredActivity>,
    pub parent_identifier: Option<String>,
    /// Partners and donors by id.
    pub orgs: BTreeMap<Id, OrgOut>,
    /// By id.
    pub contributions: Vec<Contribution>,
    /// Not withdrawn, by date then id.
    pub receipts: Vec<Receipt>,
    /// By id, each with its measurements.
    pub indicators: Vec<(Indicator, Vec<Measurement>)>,
    /// The activity's last-updated-datetime.
    pub last_updated: DateTime<Utc>,
}

impl ActivityOut {
    /// The activity's identifier: as imported, else the reporting organisation's identifier
    /// and the programme's code.
    pub fn identifier(&self) -> String {
        match &self.stored {
            Some(s) => s.identifier.clone(),
            None => identifier_of(&self.programme),
        }
    }
}

/// The identifier a programme that was never imported gets.
pub fn identifier_of(p: &Programme) -> String {
    format!("{IOM_REF}-{}", p.code)
}

/// A small element tree, serialized with two-space indentation.
struct Node {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<String>,
    children: Vec<Node>,
}

impl Node {
    fn new(name: &'static str) -> Node {
        Node {
            name,
            attrs: Vec::new(),
            text: None,
            children: Vec::new(),
        }
    }

    fn attr(mut self, name: &'static str, value: impl Into<String>) -> Node {
        self.attrs.push((name, value.into()));
        self
    }

    fn attr_if(self, name: &'static str, value: &str) -> Node {
        if value.is_empty() {
            self
        } else {
            self.attr(name, value)
        }
    }

    fn text(mut self, text: impl Into<String>) -> Node {
        self.text = Some(text.into());
        self
    }

    fn child(mut self, child: Node) -> Node {
        self.children.push(child);
        self
    }

    fn push(&mut self, child: Node) {
        self.children.push(child);
    }

    fn write(&self, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        out.push_str(&indent);
        out.push('<');
        out.push_str(self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            out.push_str(&escape(v.as_str()));
            out.push('"');
        }
        match (&self.text, self.children.is_empty()) {
            (None, true) => out.push_str("/>\n"),
            (Some(t), true) => {
                out.push('>');
                out.push_str(&escape(t.as_str()));
                out.push_str("</");
                out.push_str(self.name);
                out.push_str(">\n");
            }
            _ => {
                out.push_str(">\n");
                for c in &self.children {
                    c.write(depth + 1, out);
                }
                out.push_str(&indent);
                out.push_str("</");
                out.push_str(self.name);
                out.push_str(">\n");
            }
        }
    }
}

fn narrative(text: &str) -> Node {
    Node::new("narrative").text(text)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn value(m: Money, value_date: NaiveDate) -> Node {
    Node::new("value")
        .attr("currency", m.currency().code())
        .attr("value-date", date(value_date))
        .text(m.amount().to_string())
}

fn org_node(name: &'static str, o: &OrgOut) -> Node {
    let mut n = Node::new(name)
        .attr_if("ref", &o.reference)
        .attr("type", o.kind);
    n = n.attr("scpf:id", o.id.as_str());
    if o.member_state {
        n = n.attr("scpf:member-state", "true");
    }
    if let Some(c) = o.country {
        n = n.attr("scpf:country", c.code());
    }
    n.child(narrative(&o.name))
}

fn reporting_node(name: &'static str, s: Option<&StoredActivity>) -> Node {
    let (r, t, n) = match s {
        Some(s) => (
            s.reporting_ref.as_str(),
            s.reporting_type.as_str(),
            s.reporting_name.as_str(),
        ),
        None => (IOM_REF, IOM_TYPE, IOM_NAME),
    };
    Node::new(name)
        .attr("ref", r)
        .attr("type", t)
        .child(narrative(n))
}

/// The document's start: the XML declaration and the root's start tag.
pub fn document_start() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" xmlns:scpf=\"{EXTENSION_NS}\">\n"
    )
}

/// The document's end.
pub fn document_end() -> String {
    "</iati-activities>\n".to_owned()
}

fn role_code(r: PartnerRole) -> &'static str {
    match r {
        PartnerRole::Funding => "1",
        PartnerRole::Accountable => "2",
        PartnerRole::Extending => "3",
        PartnerRole::Implementing => "4",
    }
}

fn percentage(n: Node, p: Option<Decimal>) -> Node {
    match p {
        Some(p) => n.attr("percentage", p.to_string()),
        None => n,
    }
}

/// One activity, indented as a child of the root.
pub fn activity(a: &ActivityOut) -> String {
    let p = &a.programme;
    let s = a.stored.as_ref();
    let mut root = Node::new("iati-activity")
        .attr(
            "last-updated-datetime",
            a.last_updated.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        )
        .attr("xml:lang", "en");
    if let Some(c) = s.and_then(|s| s.default_currency) {
        root = root.attr("default-currency", c.code());
    }
    root = root.attr("scpf:id", p.id.as_str());
    if let Some(o) = p.srf_objective {
        root = root.attr("scpf:srf-objective", o.number().to_string());
    }
    root.push(Node::new("iati-identifier").text(a.identifier()));
    root.push(reporting_node("reporting-org", s));
    root.push(Node::new("title").child(narrative(&p.title)));
    root.push(
        Node::new("description")
            .attr("type", "1")
            .child(narrative(&p.description)),
    );

    // The schema wants at least one participating organisation; a programme without partners
    // names the reporting organisation, marked so that an import leaves it out.
    if p.partners.is_empty() {
        let (r, t, n) = match s {
            Some(s) => (
                s.reporting_ref.clone(),
                s.reporting_type.clone(),
                s.reporting_name.clone(),
            ),
            None => (IOM_REF.to_owned(), IOM_TYPE.to_owned(), IOM_NAME.to_owned()),
        };
        root.push(
            Node::new("participating-org")
                .attr("ref", r)
                .attr("type", t)
                .attr("role", "2")
                .attr("scpf:implied", "true")
                .child(narrative(&n)),
        );
    }
    for partner in &p.partners {
        if let Some(o) = a.orgs.get(&partner.organization) {
            let mut n = org_node("participating-org", o);
            n.attrs
                .insert(2, ("role", role_code(partner.role).to_owned()));
            root.push(n);
        }
    }
    let status = s.map_or(2, |s| s.status);
    root.push(Node::new("activity-status").attr("code", status.to_string()));
    root.extend_dates(p, s);
    let countries: Vec<(Country, Option<Decimal>)> = match s {
        Some(s)
            if s.countries
                .iter()
                .map(|(c, _)| *c)
                .eq(p.countries.iter().copied()) =>
        {
            s.countries.clone()
        }
        Some(s) => p
            .countries
            .iter()
            .map(|c| {
                (
                    *c,
                    s.countries
                        .iter()
                        .find(|(k, _)| k == c)
                        .and_then(|(_, pct)| *pct),
                )
            })
            .collect(),
        None => p.countries.iter().map(|c| (*c, None)).collect(),
    };
    for (c, pct) in countries {
        root.push(percentage(
            Node::new("recipient-country").attr("code", c.code()),
            pct,
        ));
    }
    for r in s.map(|s| s.regions.as_slice()).unwrap_or_default() {
        let n = Node::new("recipient-region")
            .attr("code", &r.code)
            .attr("vocabulary", &r.vocabulary);
        let n = percentage(n, r.percentage);
        root.push(if r.narrative.is_empty() {
            n
        } else {
            n.child(narrative(&r.narrative))
        });
    }
    for sec in s.map(|s| s.sectors.as_slice()).unwrap_or_default() {
        let n = Node::new("sector")
            .attr("vocabulary", &sec.vocabulary)
            .attr("code", &sec.code);
        let n = percentage(n, sec.percentage);
        root.push(if sec.narrative.is_empty() {
            n
        } else {
            n.child(narrative(&sec.narrative))
        });
    }
    if !p.thematic_area.is_empty() {
        root.push(
            Node::new("tag")
                .attr("vocabulary", "99")
                .attr("vocabulary-uri", THEMATIC_AREA_URI)
                .attr("code", "thematic-area")
                .child(narrative(&p.thematic_area)),
        );
    }
    for b in s.map(|s| s.budgets.as_slice()).unwrap_or_default() {
        root.push(
            Node::new("budget")
                .attr("type", b.budget_type.to_string())
                .attr("status", b.status.to_string())
                .child(Node::new("period-start").attr("iso-date", date(b.period_start)))
                .child(Node::new("period-end").attr("iso-date", date(b.period_end)))
                .child(value(b.value, b.value_date)),
        );
    }
    for c in &a.contributions {
        for i in &c.installments {
            let mut n = Node::new("planned-disbursement")
                .attr("scpf:contribution", c.id.as_str())
                .child(Node::new("period-start").attr("iso-date", date(i.due_date)))
                .child(value(i.amount, i.due_date));
            if let Some(o) = a.orgs.get(&c.donor) {
                n.push(org_node("provider-org", o));
            }
            root.push(n);
        }
    }
    for c in &a.contributions {
        root.push(contribution(a, c));
    }
    for r in &a.receipts {
        root.push(receipt(a, r));
    }
    for t in s.map(|s| s.spending.as_slice()).unwrap_or_default() {
        root.push(spending(t));
    }
    if let Some(parent) = &a.parent_identifier {
        root.push(
            Node::new("related-activity")
                .attr("ref", parent)
                .attr("type", "1"),
        );
    }
    for (indicator, measurements) in &a.indicators {
        root.push(result(indicator, measurements));
    }
    let mut out = String::new();
    root.write(1, &mut out);
    out
}

impl Node {
    /// The activity dates: those imported, with the programme's own dates in force.
    fn extend_dates(&mut self, p: &Programme, s: Option<&StoredActivity>) {
        let mut d = s.map(|s| s.dates).unwrap_or_default();
        // The programme's dates win: they may have been corrected since the import.
        match p.start_date {
            Some(start) if d.actual_start.is_some() => d.actual_start = Some(start),
            Some(start) => d.planned_start = Some(start),
            None => {
                d.actual_start = None;
                d.planned_start = None;
            }
        }
        match p.end_date {
            Some(end) if d.actual_end.is_some() => d.actual_end = Some(end),
            Some(end) => d.planned_end = Some(end),
            None => {
                d.actual_end = None;
                d.planned_end = None;
            }
        }
        let mut any = false;
        for (code, day) in [
            ("1", d.planned_start),
            ("2", d.actual_start),
            ("3", d.planned_end),
            ("4", d.actual_end),
        ] {
            if let Some(day) = day {
                any = true;
                self.push(
                    Node::new("activity-date")
                        .attr("type", code)
                        .attr("iso-date", date(day)),
                );
            }
        }
        if !any {
            // The schema wants one date; a programme without dates gets a placeholder, marked
            // so that an import leaves it out.
            self.push(
                Node::new("activity-date")
                    .attr("type", "1")
                    .attr("iso-date", "1900-01-01")
                    .attr("scpf:implied", "true"),
            );
        }
    }
}

fn contribution(a: &ActivityOut, c: &Contribution) -> Node {
    let note = a
        .stored
        .as_ref()
        .and_then(|s| s.contribution_notes.get(&c.id));
    let kind = match c.status {
        FlowStatus::Pledge => "13",
        FlowStatus::Commitment => "11",
    };
    let mut n = Node::new("transaction")
        .attr_if(
            "ref",
            note.map(|n| n.reference.as_str()).unwrap_or_default(),
        )
        .attr("scpf:id", c.id.as_str())
        .attr("scpf:period-start", date(c.period_start))
        .attr("scpf:period-end", date(c.period_end));
    if !c.earmarked_to.is_empty() {
        n = n.attr("scpf:earmarked-to", &c.earmarked_to);
    }
    if let Some(session) = c.announced_at {
        n = n.attr("scpf:announced-at", session.id());
    }
    n.push(Node::new("transaction-type").attr("code", kind));
    n.push(Node::new("transaction-date").attr("iso-date", date(c.agreement_date)));
    n.push(value(
        c.total,
        note.map_or(c.agreement_date, |n| n.value_date),
    ));
    if !c.description.is_empty() {
        n.push(Node::new("description").child(narrative(&c.description)));
    }
    if let Some(o) = a.orgs.get(&c.donor) {
        n.push(org_node("provider-org", o));
    }
    n.push(reporting_node("receiver-org", a.stored.as_ref()));
    if let Some(e) = c.earmarking {
        n.push(
            Node::new("aid-type")
                .attr("code", e.category().code().to_string())
                .attr("vocabulary", "2"),
        );
        n.push(
            Node::new("aid-type")
                .attr("code", e.modality().letter().to_string())
                .attr("vocabulary", "3"),
        );
    }
    n
}

fn receipt(a: &ActivityOut, r: &Receipt) -> Node {
    let note = a.stored.as_ref().and_then(|s| s.receipt_notes.get(&r.id));
    let mut n = Node::new("transaction")
        .attr_if("ref", &r.reference)
        .attr("scpf:id", r.id.as_str())
        .attr("scpf:contribution", r.contribution.as_str());
    n.push(Node::new("transaction-type").attr("code", "1"));
    n.push(Node::new("transaction-date").attr("iso-date", date(r.received_date)));
    n.push(value(
        r.amount,
        note.map_or(r.received_date, |n| n.value_date),
    ));
    let donor = a
        .contributions
        .iter()
        .find(|c| c.id == r.contribution)
        .and_then(|c| a.orgs.get(&c.donor));
    if let Some(o) = donor {
        n.push(org_node("provider-org", o));
    }
    n.push(reporting_node("receiver-org", a.stored.as_ref()));
    n
}

fn spending(t: &Spending) -> Node {
    let mut n = Node::new("transaction").attr_if("ref", &t.reference);
    n.push(Node::new("transaction-type").attr("code", t.transaction_type.to_string()));
    n.push(Node::new("transaction-date").attr("iso-date", date(t.date)));
    n.push(value(t.value, t.value_date));
    if !t.description.is_empty() {
        n.push(Node::new("description").child(narrative(&t.description)));
    }
    for (name, r, nm) in [
        ("provider-org", &t.provider_ref, &t.provider_name),
        ("receiver-org", &t.receiver_ref, &t.receiver_name),
    ] {
        if !r.is_empty() || !nm.is_empty() {
            let o = Node::new(name).attr_if("ref", r);
            n.push(if nm.is_empty() {
                o
            } else {
                o.child(narrative(nm))
            });
        }
    }
    n
}

fn level_code(l: ResultLevel) -> &'static str {
    match l {
        ResultLevel::Output => "1",
        ResultLevel::Outcome => "2",
        ResultLevel::Impact => "3",
    }
}

fn measure_code(m: Measure) -> &'static str {
    match m {
        Measure::Unit => "1",
        Measure::Percentage => "2",
        Measure::Nominal => "3",
        Measure::Ordinal => "4",
        Measure::Qualitative => "5",
    }
}

fn result(i: &Indicator, measurements: &[Measurement]) -> Node {
    let mut ind = Node::new("indicator")
        .attr("measure", measure_code(i.measure))
        .attr(
            "ascending",
            if i.direction == crate::domain::result::Direction::Increasing {
                "1"
            } else {
                "0"
            },
        )
        .attr("scpf:id", i.id.as_str());
    if i.cumulative {
        ind = ind.attr("scpf:cumulative", "true");
    }
    ind = ind.attr_if("scpf:unit", &i.unit);
    if !i.dimensions.is_empty() {
        let names: Vec<&str> = i.dimensions.iter().map(|d| d.as_str()).collect();
        ind = ind.attr("scpf:dimensions", names.join(" "));
    }
    if i.baseline.date.is_none() && !i.baseline.comment.is_empty() {
        ind = ind.attr("scpf:baseline-comment", &i.baseline.comment);
    }
    ind.push(Node::new("title").child(narrative(&i.title)));
    if !i.description.is_empty() {
        ind.push(Node::new("description").child(narrative(&i.description)));
    }
    if let Some(d) = i.baseline.date {
        let mut b = Node::new("baseline")
            .attr("year", d.format("%Y").to_string())
            .attr("iso-date", date(d));
        if let Some(v) = i.baseline.value {
            b = b.attr("value", v.to_string());
        }
        if !i.baseline.comment.is_empty() {
            b.push(Node::new("comment").child(narrative(&i.baseline.comment)));
        }
        ind.push(b);
    }
    // Periods in order; within one, targets then actuals, each by dimension values.
    let mut periods: BTreeMap<(NaiveDate, NaiveDate), Vec<&Measurement>> = BTreeMap::new();
    for m in measurements {
        periods
            .entry((m.key.period_start, m.key.period_end))
            .or_default()
            .push(m);
    }
    for ((start, end), mut ms) in periods {
        ms.sort_by_key(|m| m.key.dimensions.key());
        let mut p = Node::new("period")
            .child(Node::new("period-start").attr("iso-date", date(start)))
            .child(Node::new("period-end").attr("iso-date", date(end)));
        for m in &ms {
            if let Some(t) = m.figures.target {
                p.push(figure("target", t, m, m.figures.actual.is_none()));
            }
        }
        for m in &ms {
            if let Some(v) = m.figures.actual {
                p.push(figure("actual", v, m, true));
            }
        }
        ind.push(p);
    }
    Node::new("result")
        .attr("type", level_code(i.result_level))
        .child(Node::new("title").child(narrative(&i.title)))
        .child(ind)
}

/// A target or actual; the one that carries the measurement's comment, source and verified
/// flag is `main`.
fn figure(name: &'static str, v: Decimal, m: &Measurement, main: bool) -> Node {
    let mut n = Node::new(name).attr("value", v.to_string());
    for (k, val) in m.key.dimensions.iter() {
        n.push(
            Node::new("dimension")
                .attr("name", k.as_str())
                .attr("value", val),
        );
    }
    if main {
        if !m.figures.comment.is_empty() {
            n.push(Node::new("comment").child(narrative(&m.figures.comment)));
        }
        n.push(
            Node::new("scpf:figures")
                .attr("source", &m.figures.source)
                .attr(
                    "verified",
                    if m.figures.verified { "true" } else { "false" },
                ),
        );
    }
    n
}
