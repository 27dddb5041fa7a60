// @generated from migrations/postgres by hand-checked script; keep in step with the migrations.
diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    merchants (id) {
        id -> Integer,
        name -> Text,
        credit_code -> Nullable<Text>,
        category -> Text,
        address -> Text,
        area -> Text,
        contact_name -> Text,
        email -> Text,
        phone -> Text,
        member_since -> Nullable<Date>,
        status -> Text,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        current_score_tenths -> Nullable<Integer>,
        current_stars -> Nullable<Integer>,
        current_list -> Text,
        rated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        member_left_on -> Nullable<Date>,
        next_due_on -> Nullable<Date>,
        next_due_reason -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        display_name -> Text,
        email -> Text,
        merchant_id -> Nullable<Integer>,
        language -> Text,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        password_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_links (id) {
        id -> Integer,
        user_id -> Integer,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        purpose -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> Integer,
        token_hash -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        user_agent -> Text,
    }
}

diesel::table! {
    policies (id) {
        id -> Integer,
        version -> Text,
        body -> Text,
        active -> Bool,
        loaded_by -> Nullable<Integer>,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    inspections (id) {
        id -> Integer,
        merchant_id -> Integer,
        inspector_id -> Nullable<Integer>,
        inspected_on -> Date,
        kind -> Text,
        score -> Integer,
        notes -> Text,
        fhrs_hygiene -> Nullable<Integer>,
        fhrs_structural -> Nullable<Integer>,
        fhrs_confidence -> Nullable<Integer>,
        published_rating -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inspection_items (id) {
        id -> Integer,
        inspection_id -> Integer,
        item_code -> Text,
        deduction -> Integer,
        note -> Text,
    }
}

diesel::table! {
    violations (id) {
        id -> Integer,
        inspection_id -> Integer,
        merchant_id -> Integer,
        code -> Text,
        severity -> Text,
        description -> Text,
        legal_basis -> Text,
        fine_fen -> BigInt,
        found_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trainings (id) {
        id -> Integer,
        title -> Text,
        held_on -> Date,
        hours_tenths -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        place -> Text,
        starts_at -> Text,
        capacity -> Nullable<Integer>,
        description -> Text,
    }
}

diesel::table! {
    training_attendance (id) {
        id -> Integer,
        training_id -> Integer,
        merchant_id -> Integer,
    }
}

diesel::table! {
    notices (id) {
        id -> Integer,
        number -> Text,
        year -> Integer,
        seq -> Integer,
        merchant_id -> Integer,
        inspection_id -> Integer,
        issued_by -> Nullable<Integer>,
        required_actions -> Text,
        deadline -> Date,
        state -> Text,
        issued_at -> Timestamp,
        emailed_at -> Nullable<Timestamp>,
        read_at -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        verified_at -> Nullable<Timestamp>,
        overdue_at -> Nullable<Timestamp>,
        reminder_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notice_violations (notice_id, violation_id) {
        notice_id -> Integer,
        violation_id -> Integer,
    }
}

diesel::table! {
    notice_answers (id) {
        id -> Integer,
        notice_id -> Integer,
        author_id -> Nullable<Integer>,
        body -> Text,
        wants_follow_up -> Bool,
        created_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_by -> Nullable<Integer>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Integer,
        answer_id -> Integer,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        storage_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        message_id -> Text,
        kind -> Text,
        to_addr -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        notice_id -> Nullable<Integer>,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_attempts (id) {
        id -> Integer,
        outbox_id -> Integer,
        attempted_at -> Timestamp,
        ok -> Bool,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    rewards (id) {
        id -> Integer,
        merchant_id -> Integer,
        amount_fen -> BigInt,
        reason -> Text,
        granted_on -> Date,
        granted_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rating_snapshots (id) {
        id -> Integer,
        merchant_id -> Integer,
        as_of -> Date,
        computed_at -> Timestamp,
        policy_version -> Text,
        score_tenths -> Nullable<Integer>,
        stars -> Nullable<Integer>,
        list_status -> Text,
        breakdown -> Text,
    }
}

diesel::table! {
    list_entries (id) {
        id -> Integer,
        merchant_id -> Integer,
        list -> Text,
        entered_on -> Date,
        entered_reason -> Text,
        left_on -> Nullable<Date>,
        left_reason -> Nullable<Text>,
    }
}

diesel::table! {
    editions (id) {
        id -> Integer,
        number -> Integer,
        published_on -> Date,
        published_at -> Timestamp,
        published_by -> Nullable<Integer>,
        policy_version -> Text,
        note -> Text,
    }
}

diesel::table! {
    edition_entries (id) {
        id -> Integer,
        edition_id -> Integer,
        merchant_id -> Integer,
        merchant_name -> Text,
        category -> Text,
        area -> Text,
        stars -> Nullable<Integer>,
        list -> Text,
        reason -> Text,
        since -> Date,
    }
}

diesel::table! {
    complaints (id) {
        id -> Integer,
        merchant_id -> Integer,
        body -> Text,
        contact -> Nullable<Text>,
        client_hash -> Text,
        status -> Text,
        created_at -> Timestamp,
        triaged_by -> Nullable<Integer>,
        triaged_at -> Nullable<Timestamp>,
        triage_note -> Nullable<Text>,
        category -> Text,
        visited_on -> Nullable<Date>,
        reference -> Nullable<Text>,
        photo_key -> Nullable<Text>,
        photo_type -> Nullable<Text>,
    }
}

diesel::table! {
    merchant_replies (id) {
        id -> Integer,
        merchant_id -> Integer,
        author_id -> Nullable<Integer>,
        body -> Text,
        visible -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        actor_id -> Nullable<Integer>,
        actor_label -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    used_form_tokens (token) {
        token -> Text,
        used_at -> Timestamp,
    }
}

diesel::table! {
    /// The committee's changes to the proposed candidates of a year, before it decides.
    commendation_adjustments (id) {
        id -> Integer,
        year -> Integer,
        merchant_id -> Integer,
        action -> Text,
        level -> Nullable<Text>,
        reason -> Text,
        made_by -> Nullable<Integer>,
        made_at -> Timestamp,
    }
}

diesel::table! {
    /// A year's commendation decision (表彰决定): numbered, dated, immutable.
    commendation_decisions (id) {
        id -> Integer,
        year -> Integer,
        number -> Text,
        seq -> Integer,
        decided_on -> Date,
        decided_at -> Timestamp,
        decided_by -> Nullable<Integer>,
        policy_version -> Text,
        note -> Text,
    }
}

diesel::table! {
    /// A commended merchant; only the revocation columns ever change.
    commendations (id) {
        id -> Integer,
        decision_id -> Integer,
        year -> Integer,
        merchant_id -> Integer,
        merchant_name -> Text,
        category -> Text,
        area -> Text,
        level -> Text,
        level_rank -> Integer,
        level_name_zh -> Text,
        level_name_en -> Text,
        reward_fen -> BigInt,
        reward_id -> Nullable<Integer>,
        criteria -> Text,
        committee_reason -> Nullable<Text>,
        revoked_on -> Nullable<Date>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::joinable!(users -> merchants (merchant_id));
diesel::table! {
    /// One run of a scheduled job: start, end, outcome (`running`, `ok`, `failed`), error.
    job_runs (id) {
        id -> Integer,
        job -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        outcome -> Text,
        error -> Nullable<Text>,
        summary -> Nullable<Text>,
        as_of -> Date,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(login_links -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(policies -> users (loaded_by));
diesel::joinable!(inspections -> merchants (merchant_id));
diesel::joinable!(inspections -> users (inspector_id));
diesel::joinable!(inspection_items -> inspections (inspection_id));
diesel::joinable!(violations -> inspections (inspection_id));
diesel::joinable!(violations -> merchants (merchant_id));
diesel::joinable!(trainings -> users (created_by));
diesel::joinable!(training_attendance -> trainings (training_id));
diesel::joinable!(training_attendance -> merchants (merchant_id));
diesel::joinable!(notices -> merchants (merchant_id));
diesel::joinable!(notices -> inspections (inspection_id));
diesel::joinable!(notices -> users (issued_by));
diesel::joinable!(notice_violations -> notices (notice_id));
diesel::joinable!(notice_violations -> violations (violation_id));
diesel::joinable!(notice_answers -> notices (notice_id));
diesel::joinable!(attachments -> notice_answers (answer_id));
diesel::joinable!(outbox -> notices (notice_id));
diesel::joinable!(outbox_attempts -> outbox (outbox_id));
diesel::joinable!(rewards -> merchants (merchant_id));
diesel::joinable!(rewards -> users (granted_by));
diesel::joinable!(rating_snapshots -> merchants (merchant_id));
diesel::joinable!(list_entries -> merchants (merchant_id));
diesel::joinable!(editions -> users (published_by));
diesel::joinable!(edition_entries -> editions (edition_id));
diesel::joinable!(edition_entries -> merchants (merchant_id));
diesel::joinable!(complaints -> merchants (merchant_id));
diesel::joinable!(complaints -> users (triaged_by));
diesel::joinable!(merchant_replies -> merchants (merchant_id));
diesel::joinable!(merchant_replies -> users (author_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(commendation_adjustments -> merchants (merchant_id));
diesel::joinable!(commendation_adjustments -> users (made_by));
diesel::joinable!(commendation_decisions -> users (decided_by));
diesel::joinable!(commendations -> commendation_decisions (decision_id));
diesel::joinable!(commendations -> merchants (merchant_id));
diesel::joinable!(commendations -> rewards (reward_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    merchants,
    users,
    api_tokens,
    login_links,
    sessions,
    policies,
    inspections,
    inspection_items,
    violations,
    trainings,
    training_attendance,
    notices,
    notice_violations,
    notice_answers,
    attachments,
    outbox,
    outbox_attempts,
    rewards,
    rating_snapshots,
    list_entries,
    editions,
    edition_entries,
    complaints,
    merchant_replies,
    audit_log,
    used_form_tokens,
    job_runs,
    commendation_adjustments,
    commendation_decisions,
    commendations,
);

diesel::table! {
    training_signups (id) {
        id -> Integer,
        training_id -> Integer,
        merchant_id -> Integer,
        user_id -> Nullable<Integer>,
        signed_up_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(training_signups -> trainings (training_id));
diesel::joinable!(training_signups -> merchants (merchant_id));
diesel::joinable!(training_signups -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(training_signups, trainings);
diesel::allow_tables_to_appear_in_same_query!(training_signups, merchants);
diesel::allow_tables_to_appear_in_same_query!(training_signups, users);
// branch join: membership (issue 15)
diesel::table! {
    /// A version of the charter (盟约); never changed once published.
    charter_versions (id) {
        id -> Integer,
        number -> Integer,
        title -> Text,
        body_md -> Text,
        changes -> Text,
        published_at -> Timestamp,
        published_by -> Nullable<Integer>,
    }
}

diesel::table! {
    /// A member's confirmation of a charter version.
    charter_confirmations (id) {
        id -> Integer,
        version_id -> Integer,
        merchant_id -> Integer,
        user_id -> Nullable<Integer>,
        confirmed_at -> Timestamp,
    }
}

diesel::table! {
    /// An application to join the alliance (入盟申请).
    membership_applications (id) {
        id -> Integer,
        name -> Text,
        credit_code -> Text,
        category -> Text,
        area -> Text,
        address -> Text,
        contact_name -> Text,
        email -> Text,
        phone -> Text,
        language -> Text,
        charter_version_id -> Nullable<Integer>,
        state -> Text,
        times_applied -> Integer,
        merchant_id -> Nullable<Integer>,
        decided_by -> Nullable<Integer>,
        decided_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A member's request to leave the alliance (退盟).
    leave_requests (id) {
        id -> Integer,
        merchant_id -> Integer,
        reason -> Text,
        state -> Text,
        requested_by -> Nullable<Integer>,
        requested_at -> Timestamp,
        decided_by -> Nullable<Integer>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// One step of a membership, with its actor.
    membership_events (id) {
        id -> Integer,
        merchant_id -> Nullable<Integer>,
        application_id -> Nullable<Integer>,
        kind -> Text,
        happened_on -> Date,
        at -> Timestamp,
        actor_id -> Nullable<Integer>,
        actor_name -> Text,
        note -> Text,
    }
}

diesel::joinable!(charter_confirmations -> charter_versions (version_id));
diesel::joinable!(charter_confirmations -> merchants (merchant_id));
diesel::joinable!(membership_applications -> merchants (merchant_id));
diesel::joinable!(leave_requests -> merchants (merchant_id));
diesel::joinable!(membership_events -> merchants (merchant_id));
diesel::allow_tables_to_appear_in_same_query!(
    charter_versions,
    charter_confirmations,
    membership_applications,
    leave_requests,
    membership_events,
);
diesel::allow_tables_to_appear_in_same_query!(charter_versions, merchants);
diesel::allow_tables_to_appear_in_same_query!(charter_versions, users);
diesel::allow_tables_to_appear_in_same_query!(charter_confirmations, merchants);
diesel::allow_tables_to_appear_in_same_query!(charter_confirmations, users);
diesel::allow_tables_to_appear_in_same_query!(membership_applications, merchants);
diesel::allow_tables_to_appear_in_same_query!(membership_applications, users);
diesel::allow_tables_to_appear_in_same_query!(leave_requests, merchants);
diesel::allow_tables_to_appear_in_same_query!(leave_requests, users);
diesel::allow_tables_to_appear_in_same_query!(membership_events, merchants);
diesel::allow_tables_to_appear_in_same_query!(membership_events, users);

diesel::table! {
    bulletins (id) {
        id -> Integer,
        title -> Text,
        body -> Text,
        audience_kind -> Text,
        audience_value -> Text,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_key -> Nullable<Text>,
        attachment_size -> Nullable<BigInt>,
        remind_after_days -> Integer,
        sent_at -> Timestamp,
        sent_by -> Nullable<Integer>,
    }
}

diesel::table! {
    bulletin_recipients (id) {
        id -> Integer,
        bulletin_id -> Integer,
        merchant_id -> Integer,
        address -> Nullable<Text>,
        language -> Text,
        read_at -> Nullable<Timestamp>,
        read_via -> Nullable<Text>,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(bulletins -> users (sent_by));
diesel::joinable!(bulletin_recipients -> bulletins (bulletin_id));
diesel::joinable!(bulletin_recipients -> merchants (merchant_id));
diesel::allow_tables_to_appear_in_same_query!(bulletins, bulletin_recipients);
diesel::allow_tables_to_appear_in_same_query!(bulletins, merchants);
diesel::allow_tables_to_appear_in_same_query!(bulletins, users);
diesel::allow_tables_to_appear_in_same_query!(bulletin_recipients, merchants);
diesel::allow_tables_to_appear_in_same_query!(bulletin_recipients, users);

// branch campaigns (issue 16): star-rating campaigns (星级评比)
diesel::table! {
    campaigns (id) {
        id -> Integer,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        scope -> Text,
        scope_values -> Text,
        status -> Text,
        opened_by -> Nullable<Integer>,
        opened_at -> Timestamp,
        closed_by -> Nullable<Integer>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    campaign_merchants (id) {
        id -> Integer,
        campaign_id -> Integer,
        merchant_id -> Integer,
        area -> Text,
        inspector_id -> Nullable<Integer>,
    }
}

diesel::joinable!(campaign_merchants -> campaigns (campaign_id));
diesel::joinable!(campaign_merchants -> merchants (merchant_id));
diesel::joinable!(campaign_merchants -> users (inspector_id));
diesel::allow_tables_to_appear_in_same_query!(campaigns, campaign_merchants);
diesel::allow_tables_to_appear_in_same_query!(campaigns, merchants);
diesel::allow_tables_to_appear_in_same_query!(campaigns, users);
diesel::allow_tables_to_appear_in_same_query!(campaigns, inspections);
diesel::allow_tables_to_appear_in_same_query!(campaign_merchants, merchants);
diesel::allow_tables_to_appear_in_same_query!(campaign_merchants, users);
diesel::allow_tables_to_appear_in_same_query!(campaign_merchants, inspections);

diesel::table! {
    inspection_photos (id) {
        id -> Integer,
        inspection_id -> Integer,
        merchant_id -> Integer,
        storage_key -> Text,
        width -> Integer,
        height -> Integer,
        size_bytes -> BigInt,
        uploaded_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(inspection_photos -> inspections (inspection_id));
diesel::allow_tables_to_appear_in_same_query!(inspection_photos, inspections);
