//! A List's filter as bound SQL: each group of conditions one comparison and one parameter.

use sqlx::{Postgres, QueryBuilder};

use crate::{
    domain::filter::{Group, Op, Value},
    error::{Error, Result},
};

/// Pushes ` AND ...` for one group of a List's filter (every condition on one field with one
/// operator, which must all hold): `column op $n` for one value, `column op ALL($n)` for several,
/// bound as one array. However many conditions repeat, the statement has one comparison and one
/// parameter per group, so its cost does not grow with them. `cast` converts the bound value to
/// the column's type when needed (`::smallint`; `[]` is added for an array). With `nullable`,
/// `!=` also matches NULL, like `IS DISTINCT FROM`. `column` comes from the store's own table of
/// filter fields, never from the caller's text.
pub(crate) fn push_group(
    qb: &mut QueryBuilder<Postgres>,
    column: &str,
    group: &Group<'_>,
    cast: &str,
    nullable: bool,
) -> Result<()> {
    let op = group.op.sql();
    match (group.values.as_slice(), group.op == Op::Ne && nullable) {
        ([value], false) => {
            qb.push(format!(" AND {column} {op} "));
            push_value(qb, value);
            qb.push(cast);
        }
        ([value], true) => {
            qb.push(format!(" AND {column} IS DISTINCT FROM "));
            push_value(qb, value);
            qb.push(cast);
        }
        (values, false) => {
            qb.push(format!(" AND {column} {op} ALL("));
            push_array(qb, values)?;
            qb.push(format!(
                "{cast}{})",
                if cast.is_empty() { "" } else { "[]" }
            ));
        }
        (values, true) => {
            qb.push(format!(" AND ({column} IS NULL OR {column} <> ALL("));
            push_array(qb, values)?;
            qb.push(format!(
                "{cast}{}))",
                if cast.is_empty() { "" } else { "[]" }
            ));
        }
    }
    Ok(())
}

fn push_value(qb: &mut QueryBuilder<Postgres>, value: &Value) {
    match value {
        Value::Text(t) => qb.push_bind(t.clone()),
        Value::Bool(b) => qb.push_bind(*b),
        Value::Date(d) => qb.push_bind(*d),
        Value::Timestamp(t) => qb.push_bind(*t),
    };
}

/// Binds the values of one group as one array. They share a kind, since they compare one field.
fn push_array(qb: &mut QueryBuilder<Postgres>, values: &[&Value]) -> Result<()> {
    fn all<T>(values: &[&Value], pick: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>> {
        values
            .iter()
            .map(|v| pick(v).ok_or_else(|| undeclared_filter(v)))
            .collect()
    }
    match values.first() {
        Some(Value::Text(_)) => qb.push_bind(all(values, |v| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        })?),
        Some(Value::Bool(_)) => qb.push_bind(all(values, |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })?),
        Some(Value::Date(_)) => qb.push_bind(all(values, |v| match v {
            Value::Date(d) => Some(*d),
            _ => None,
        })?),
        Some(Value::Timestamp(_)) => qb.push_bind(all(values, |v| match v {
            Value::Timestamp(t) => Some(*t),
            _ => None,
        })?),
        None => return Err(undeclared_filter("an empty group")),
    };
    Ok(())
}

/// A filter field or value a store was not told about. The API declares every field it accepts,
/// so this is a bug, never the caller's mistake.
pub(crate) fn undeclared_filter(what: impl std::fmt::Debug) -> Error {
    Error::Internal(anyhow::anyhow!("filter on {what:?} is not declared"))
}
