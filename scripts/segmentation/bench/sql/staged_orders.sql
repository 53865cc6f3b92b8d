-- The staged orders the tuned numpy reference reads.
select
    order_id,
    customer_id,
    ordered_at,
    amount,
    status
from stg_orders
