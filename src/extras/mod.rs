//! Compound operations, built only from the single calls: sweeps over many
//! rooms, and the notice-then-hang-up flow Vobiz's docs recommend.

mod notice;
mod sweep;
