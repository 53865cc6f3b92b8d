-- No snapshot uses data after its as-of date, and as-of dates never pass the snapshot date.
select
    customer_id,
    snapshot_date,
    as_of_date,
    last_order_date
from {{ ref('customer_rfm_history') }}
where last_order_date > as_of_date
    or as_of_date > snapshot_date
