-- The staged orders the pandas implementation reads, money as integer cents so sums and ties are exact.
select
    customer_id,
    order_date,
    status,
    cast(round(amount * 100) as bigint) as cents
from stg_orders
