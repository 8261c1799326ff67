//! One portable schema for both backends (Integer, BigInt, Text, Bool, Timestamp only),
//! matching `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    users (id) {
        id -> Integer,
        github_id -> Nullable<BigInt>,
        login -> Text,
        name -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        github_created_at -> Nullable<Timestamp>,
        banned -> Bool,
        banned_reason -> Nullable<Text>,
        session_epoch -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    editors (login) {
        login -> Text,
        granted_by -> Text,
        granted_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    weeks (issue) {
        issue -> Integer,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        status -> Text,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    nominations (id) {
        id -> Integer,
        category -> Text,
        week_issue -> Integer,
        nominated_by -> Integer,
        created_at -> Timestamp,
        dedupe_key -> Text,
        editors_choice -> Bool,
        crate_name -> Nullable<Text>,
        pitch -> Nullable<Text>,
        url -> Nullable<Text>,
        why -> Nullable<Text>,
        description -> Nullable<Text>,
        repository -> Nullable<Text>,
        verified -> Bool,
        verified_at -> Nullable<Timestamp>,
        quote_text -> Nullable<Text>,
        author -> Nullable<Text>,
        where_said -> Nullable<Text>,
        source_url -> Nullable<Text>,
        context -> Nullable<Text>,
        hidden -> Bool,
        hidden_reason -> Nullable<Text>,
        withdrawn -> Bool,
        credit_line -> Nullable<Text>,
        withdrawn_reason -> Nullable<Text>,
    }
}

diesel::table! {
    nominators (nomination_id, user_id) {
        nomination_id -> Integer,
        user_id -> Integer,
        self_suggestion -> Bool,
        created_at -> Timestamp,
        owner_check -> Nullable<Text>,
        credited_as -> Nullable<Text>,
        pitch -> Nullable<Text>,
        why -> Nullable<Text>,
    }
}

diesel::table! {
    votes (id) {
        id -> Integer,
        user_id -> Integer,
        week_issue -> Integer,
        category -> Text,
        nomination_id -> Integer,
        withdrawn -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    picks (id) {
        id -> Integer,
        week_issue -> Integer,
        category -> Text,
        nomination_id -> Integer,
        picked_by -> Integer,
        picked_at -> Timestamp,
        unpicked_at -> Nullable<Timestamp>,
        unpicked_by -> Nullable<Integer>,
        position -> Integer,
    }
}

diesel::table! {
    featured_history (id) {
        id -> Integer,
        issue -> Integer,
        published_on -> Text,
        category -> Text,
        position -> Integer,
        name -> Text,
        dedupe_key -> Text,
        url -> Nullable<Text>,
        body -> Text,
        credits -> Nullable<Text>,
        source_file -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        actor_user_id -> Nullable<Integer>,
        actor -> Text,
        action -> Text,
        target -> Text,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    crates_io_cache (name) {
        name -> Text,
        found -> Bool,
        canonical_name -> Nullable<Text>,
        description -> Nullable<Text>,
        repository -> Nullable<Text>,
        fetched_at -> Timestamp,
        downloads -> Nullable<BigInt>,
        recent_downloads -> Nullable<BigInt>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    editor_bindings (login) {
        login -> Text,
        user_id -> Integer,
        bound_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        user_agent -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        ended_reason -> Nullable<Text>,
    }
}

diesel::table! {
    draft_proposals (issue) {
        issue -> Integer,
        number -> BigInt,
        url -> Text,
        branch -> Text,
        commit_sha -> Text,
        proposed_at -> Timestamp,
        proposed_by -> Text,
    }
}

diesel::table! {
    used_oauth_states (state_hash) {
        state_hash -> Text,
        used_at -> Timestamp,
    }
}

diesel::joinable!(editor_bindings -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(nominations -> weeks (week_issue));
diesel::joinable!(nominations -> users (nominated_by));
diesel::joinable!(nominators -> nominations (nomination_id));
diesel::joinable!(nominators -> users (user_id));
diesel::joinable!(votes -> nominations (nomination_id));
diesel::joinable!(votes -> weeks (week_issue));
diesel::joinable!(votes -> users (user_id));
diesel::joinable!(picks -> nominations (nomination_id));
diesel::joinable!(picks -> weeks (week_issue));
diesel::joinable!(forum_credits -> forum_posts (post_id));
diesel::joinable!(forum_credits -> nominations (nomination_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    editors,
    weeks,
    nominations,
    nominators,
    votes,
    picks,
    featured_history,
    audit_log,
    crates_io_cache,
    editor_bindings,
    sessions,
    used_oauth_states,
    draft_proposals,
    forum_posts,
    forum_credits,
    forum_topics,
    forum_lease,
    outbox,
    crate_owners,
    original_wording,
);

diesel::table! {
    forum_posts (post_id) {
        post_id -> BigInt,
        topic_id -> BigInt,
        topic_slug -> Text,
        post_number -> Integer,
        permalink -> Text,
        category -> Text,
        username -> Text,
        name -> Nullable<Text>,
        posted_at -> Timestamp,
        edited_at -> Timestamp,
        cooked -> Text,
        likes -> Integer,
        reading -> Text,
        problem -> Nullable<Text>,
        draft -> Nullable<Text>,
        week_issue -> Integer,
        first_read_at -> Timestamp,
        read_at -> Timestamp,
        dismissed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    forum_credits (post_id, nomination_id) {
        post_id -> BigInt,
        nomination_id -> Integer,
        self_suggestion -> Bool,
    }
}

diesel::table! {
    forum_topics (topic_id) {
        topic_id -> BigInt,
        slug -> Nullable<Text>,
        floor_post_id -> BigInt,
        last_read_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    forum_lease (name) {
        name -> Text,
        holder -> Text,
        until -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        target -> Text,
        event -> Text,
        dedupe_key -> Text,
        payload -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        given_up_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    crate_owners (name) {
        name -> Text,
        owners -> Text,
        fetched_at -> Timestamp,
    }
}

diesel::table! {
    original_wording (nomination_id) {
        nomination_id -> Integer,
        pitch -> Nullable<Text>,
        why -> Nullable<Text>,
        url -> Nullable<Text>,
        quote_text -> Nullable<Text>,
        author -> Nullable<Text>,
        where_said -> Nullable<Text>,
        source_url -> Nullable<Text>,
        first_edited_at -> Timestamp,
    }
}
