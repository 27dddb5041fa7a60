use super::*;

/// An inspection with everything its result page shows.
#[derive(Debug, Clone)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub merchant_name: String,
    pub inspector_name: Option<String>,
    pub items: Vec<NewItem>,
    pub violations: Vec<Violation>,
    /// The merchant's rating before and after the latest logging or edit of this inspection,
    /// as its audit entry recorded them.
    pub change: Option<(RatingState, RatingState)>,
    /// The merchant's rating now, with its breakdown.
    pub rating: Rating,
}

/// Loads an inspection for its result page; `None` when there is no such inspection.
pub fn view(
    conn: &mut DbConn,
    policy: &Policy,
    id: i32,
    today: NaiveDate,
) -> anyhow::Result<Option<InspectionView>> {
    use crate::db::schema::users;
    let Some(inspection) = Inspection::find(conn, id)? else {
        return Ok(None);
    };
    let merchant_name: String = merchants::table
        .find(inspection.merchant_id)
        .select(merchants::name)
        .first(conn)?;
    let inspector_name: Option<String> = match inspection.inspector_id {
        Some(uid) => users::table
            .find(uid)
            .select(users::username)
            .first(conn)
            .optional()?,
        None => None,
    };
    let items = Inspection::items_of(conn, id)?;
    let violations = Inspection::violations_of(conn, id)?;
    let last: Option<Option<String>> = audit_log::table
        .filter(audit_log::entity.eq("inspection"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .filter(audit_log::action.eq_any(["inspection.create", "inspection.update"]))
        .order(audit_log::id.desc())
        .select(audit_log::after_json)
        .first(conn)
        .optional()?;
    let change = last.flatten().and_then(|json| {
        let v: serde_json::Value = serde_json::from_str(&json).ok()?;
        let before = serde_json::from_value(v["rating"]["before"].clone()).ok()?;
        let after = serde_json::from_value(v["rating"]["after"].clone()).ok()?;
        Some((before, after))
    });
    let ids = [inspection.merchant_id];
    let histories = crate::services::rating::load_histories(conn, Some(&ids), today)?;
    let history = histories
        .get(&inspection.merchant_id)
        .ok_or_else(|| anyhow::anyhow!("no merchant {}", inspection.merchant_id))?;
    let rating = rate(history, policy, today);
    Ok(Some(InspectionView {
        inspection,
        merchant_name,
        inspector_name,
        items,
        violations,
        change,
        rating,
    }))
}

/// The most recently logged inspections, for the inspector's start page.
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<InspectionListRow>> {
    Inspection::recent(conn, limit)
}

/// A merchant found by the picker.
#[derive(Debug, Clone, Serialize)]
pub struct MerchantHit {
    pub id: i32,
    pub name: String,
    pub area: String,
    pub address: String,
}

/// Merchants whose name contains `q` (or whose id is `q`), for the merchant picker.
pub fn search_merchants(conn: &mut DbConn, q: &str, limit: i64) -> QueryResult<Vec<MerchantHit>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let escaped: String = q
        .chars()
        .flat_map(|ch| match ch {
            '%' | '_' | '\\' => vec!['\\', ch],
            _ => vec![ch],
        })
        .collect();
    let by_id = q.parse::<i32>().unwrap_or(-1);
    let rows: Vec<(i32, String, String, String)> = merchants::table
        .filter(
            merchants::name
                .like(format!("%{escaped}%"))
                .escape('\\')
                .or(merchants::id.eq(by_id)),
        )
        .order((merchants::name.asc(), merchants::id.asc()))
        .limit(limit)
        .select((
            merchants::id,
            merchants::name,
            merchants::area,
            merchants::address,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, area, address)| MerchantHit {
            id,
            name,
            area,
            address,
        })
        .collect())
}

/// A merchant's name, for the form's heading; `None` when there is no such merchant.
pub fn merchant_name(conn: &mut DbConn, id: i32) -> QueryResult<Option<String>> {
    merchants::table
        .find(id)
        .select(merchants::name)
        .first(conn)
        .optional()
}

/// An inspection already logged for a merchant on a day: the form warns before a second one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameDay {
    pub id: i32,
    /// When it was logged (UTC).
    pub created_at: NaiveDateTime,
    /// Who logged it (username), if known.
    pub inspector_name: Option<String>,
}

/// The inspections of `merchant_id` dated `on`, oldest first.
pub fn same_day(conn: &mut DbConn, merchant_id: i32, on: NaiveDate) -> QueryResult<Vec<SameDay>> {
    use crate::db::schema::{inspections, users};
    let rows: Vec<(i32, NaiveDateTime, Option<i32>)> = inspections::table
        .filter(inspections::merchant_id.eq(merchant_id))
        .filter(inspections::inspected_on.eq(on))
        .order(inspections::id.asc())
        .select((
            inspections::id,
            inspections::created_at,
            inspections::inspector_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, created_at, inspector)| {
            let inspector_name = match inspector {
                Some(uid) => users::table
                    .find(uid)
                    .select(users::username)
                    .first::<String>(conn)
                    .optional()?,
                None => None,
            };
            Ok(SameDay {
                id,
                created_at,
                inspector_name,
            })
        })
        .collect()
}
