-- Reads one landing CSV as text, every column VARCHAR, in a throwaway in-memory
-- connection. Strict: a line with too few or too many fields, a quote never closed or
-- bytes that are not UTF-8 is set aside in reject_errors instead of being guessed at, so
-- the reader can tell whether every line became exactly one row.
SELECT *
FROM read_csv(
    $path,
    columns = $columns,
    header = true,
    auto_detect = false,
    delim = ',',
    quote = '"',
    escape = '"',
    strict_mode = true,
    null_padding = false,
    store_rejects = true
);
