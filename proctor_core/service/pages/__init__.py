"""Stand-alone pages: start (name, email, exam) → monitoring page → result receipt."""
