//! Pure parser: report text in, typed tables out.
