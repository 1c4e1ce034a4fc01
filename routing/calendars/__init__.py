"""Visit calendars: which days of the week each village is visited, and what that means for
a day's plan (orders deferred to the next visit, orders carried from earlier days)."""
