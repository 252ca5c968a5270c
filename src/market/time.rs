//! Bar timestamps: the date forms OHLCV files use, parsed by the one timestamp parser in
//! [`crate::units::time`] (milliseconds since the Unix epoch, UTC) and formatted back.

pub use crate::units::calendar::{civil_from_days, days_from_civil, days_in_month, is_leap};
pub use crate::units::time::{
    day_number, format_timestamp, parse_timestamp, read_timestamp, weekday, DateForm, TimeStyle,
    Timestamp, TimestampError, MS_PER_DAY,
};
