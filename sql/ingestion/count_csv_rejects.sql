-- Lines the strict CSV reader set aside (its temporary reject table, kept per connection).
SELECT count(*) FROM reject_errors;
