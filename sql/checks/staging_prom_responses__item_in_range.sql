-- Every answered item lies within its instrument's range (contracts/v1/instruments.json),
-- as loaded into ref_instrument_items.
SELECT
    count(*) FILTER (WHERE items.instrument IS NULL OR responses.value NOT BETWEEN items.item_min AND items.item_max) AS violations,
    count(*) AS denominator
FROM staging_prom_responses AS responses
LEFT JOIN ref_instrument_items AS items USING (instrument, item_number)
WHERE responses.value IS NOT NULL;
