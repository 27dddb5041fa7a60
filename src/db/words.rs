//! The domain's words ([`crate::domain::words`]) as `TEXT` columns on both backends, so that
//! row structs hold a `Role` or a `NoticeState` rather than a `String`, and filters read
//! `notices::state.eq(NoticeState::Overdue)`.
//!
//! One macro gives each enum what diesel's `AsExpression` and `FromSqlRow` derives would (through
//! a `foreign_derive` proxy, so the domain itself never names diesel) and `ToSql`/`FromSql` for
//! `Text` on SQLite, PostgreSQL and the `MultiBackend` of [`super::DbConn`]. A stored value that
//! names no variant is a deserialization error naming the column's word and the value (a 500,
//! logged), never a panic and never a silent default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::MultiBackend;
use crate::domain::words::{ComplaintState, InspectionKind, ListStatus, NoticeState, Role, Severity};

/// Reads a stored word, or says which word and value could not be read.
fn parse<T: std::str::FromStr>(stored: String, what: &str) -> deserialize::Result<T> {
    stored
        .parse()
        .map_err(|_| format!("unknown {what} {stored:?} in the database").into())
}

/// Maps each `$ty` (an enum with `as_str()` and `FromStr`) to `TEXT`; `$what` names it in errors.
macro_rules! text_words {
    ($($ty:ident => $what:literal),* $(,)?) => {$(
        const _: () = {
            #[derive(diesel::AsExpression, diesel::FromSqlRow)]
            #[diesel(foreign_derive)]
            #[diesel(sql_type = Text)]
            #[expect(dead_code, reason = "only carries the derives for the domain enum")]
            struct Proxy($ty);
        };

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.as_str());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), &mut out.reborrow())
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                parse(<String as FromSql<Text, Sqlite>>::from_sql(value)?, $what)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                parse(<String as FromSql<Text, Pg>>::from_sql(value)?, $what)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, Text>()
            }
        }
    )*};
}

text_words! {
    Role => "role",
    NoticeState => "notice state",
    ListStatus => "list",
    InspectionKind => "inspection kind",
    Severity => "severity",
    ComplaintState => "complaint state",
}
