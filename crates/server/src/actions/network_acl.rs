//! (actions arrive here)

actions! {}
