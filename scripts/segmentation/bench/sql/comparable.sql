-- The columns the implementations share, money as cents and dates as dates, so neither a pandas dtype nor
-- a decimal scale can make two equal rows differ.
select
    cast(customer_id as varchar) as customer_id,
    cast(snapshot_date as date) as snapshot_date,
    cast(as_of_date as date) as as_of_date,
    cast(last_order_date as date) as last_order_date,
    cast(recency_days as bigint) as recency_days,
    cast(frequency as bigint) as frequency,
    cast(round(monetary * 100) as bigint) as monetary_cents,
    cast(recency_score as bigint) as recency_score,
    cast(frequency_score as bigint) as frequency_score,
    cast(monetary_score as bigint) as monetary_score,
    cast(rfm_code as varchar) as rfm_code
from $relation
