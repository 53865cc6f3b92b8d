with

source as (

    select * from {{ source('raw', 'orders') }}

),

customers as (

    select customer_id from {{ ref('base_customers') }}
    where rejection_reason is null

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('base_accounts') }}
    where rejection_reason is null

),

products as (

    select product_id from {{ ref('base_products') }}
    where rejection_reason is null

),

parsed as (

    select
        {{ customer_segmentation.as_text('order_id') }} as order_id,
        {{ customer_segmentation.as_text('customer_id') }} as customer_id,
        {{ customer_segmentation.as_text('account_id') }} as account_id,
        {{ customer_segmentation.as_text('product_id') }} as product_id,
        {{ customer_segmentation.as_text('ordered_at') }} as ordered_at_text,
        {{ customer_segmentation.try_cast_timestamp(customer_segmentation.as_text('ordered_at')) }} as ordered_at,
        {{ customer_segmentation.as_text('amount') }} as amount_text,
        {{ customer_segmentation.try_cast_money(customer_segmentation.as_text('amount')) }} as amount,
        {{ customer_segmentation.as_text('cost') }} as cost_text,
        {{ customer_segmentation.try_cast_money(customer_segmentation.as_text('cost')) }} as cost,
        lower({{ customer_segmentation.as_text('status') }}) as status,
        {{ customer_segmentation.raw_values(['order_id', 'customer_id', 'account_id', 'product_id', 'ordered_at', 'amount', 'cost', 'status']) }} as raw_values
    from source

),

checked as (

    -- The first failing check names the reason, so each rejected row carries exactly one.
    select
        parsed.*,
        case
            when parsed.order_id is null then 'null order_id'
            when parsed.customer_id is null then 'null customer_id'
            when customers.customer_id is null then 'unknown customer_id'
            when parsed.ordered_at_text is null then 'null ordered_at'
            when parsed.ordered_at is null then 'unparseable ordered_at'
            when cast(parsed.ordered_at as date) > {{ customer_segmentation.build_run_date() }} then 'ordered_at after run date'
            when parsed.amount_text is null then 'null amount'
            when parsed.amount is null then 'unparseable amount'
            when parsed.cost_text is not null and parsed.cost is null then 'unparseable cost'
            when parsed.status is null or parsed.status not in ('completed', 'refunded', 'cancelled') then 'unknown status'
            when parsed.status = 'refunded' and parsed.amount > 0 then 'positive amount on a refund'
            when parsed.status <> 'refunded' and parsed.amount < 0 then 'negative amount on a non-refund'
            when parsed.account_id is not null and accounts.account_id is null then 'unknown account_id'
            when parsed.account_id is not null and accounts.customer_id <> parsed.customer_id then 'account of another customer'
            when parsed.product_id is not null and products.product_id is null then 'unknown product_id'
        end as row_problem
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id
    left join accounts
        on parsed.account_id = accounts.account_id
    left join products
        on parsed.product_id = products.product_id

),

deduplicated as (

    -- Exact and conflicting copies of an order_id alike keep one valid copy, chosen deterministically.
    select
        *,
        row_number() over (
            partition by order_id, case when row_problem is null then 0 else 1 end
            order by ordered_at, amount, raw_values
        ) as copy_number
    from checked

),

final as (

    select
        order_id,
        customer_id,
        account_id,
        product_id,
        ordered_at,
        amount,
        cost,
        status,
        raw_values,
        case
            when row_problem is not null then row_problem
            when copy_number > 1 then 'duplicate order_id'
        end as rejection_reason
    from deduplicated

)

select * from final
