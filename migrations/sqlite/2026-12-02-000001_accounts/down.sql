DROP TABLE used_oauth_states;
DROP TABLE ended_sessions;
DROP INDEX editors_login_folded;
DROP TABLE editor_bindings;
