//! Questions asked of the latest clustering: which tracks and artists sound alike
//! ([`similar`]) and how well the clusters agree with reference labels ([`evaluate`]).

pub mod evaluate;
pub mod similar;
