//! The connection type over both backends. Kept in its own module: the derive's generated
//! code uses names that clash with ordinary function names nearby.

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}
