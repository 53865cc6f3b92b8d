{%- set version_column = customer_segmentation.orders_version_column() -%}
{%- set raw_columns = ['order_id', 'customer_id', 'account_id', 'product_id', 'ordered_at', 'amount', 'cost', 'status']
    + ([version_column] if version_column else []) -%}
{%- set amount_limit = customer_segmentation.order_amount_limit() -%}

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

    -- Amounts are parsed wider than the money type, so a number too large for an order is told from text
    -- that is no number at all.
    select
        {{ customer_segmentation.as_text('order_id') }} as order_id,
        {{ customer_segmentation.as_text('customer_id') }} as customer_id,
        {{ customer_segmentation.as_text('account_id') }} as account_id,
        {{ customer_segmentation.as_text('product_id') }} as product_id,
        {{ customer_segmentation.as_text('ordered_at') }} as ordered_at_text,
        {{ customer_segmentation.business_timestamp('ordered_at', source('raw', 'orders')) }} as ordered_at,
        {{ customer_segmentation.as_text('amount') }} as amount_text,
        {{ customer_segmentation.try_cast_money(customer_segmentation.as_text('amount'), 38) }} as amount_number,
        {{ customer_segmentation.as_text('cost') }} as cost_text,
        {{ customer_segmentation.try_cast_money(customer_segmentation.as_text('cost'), 38) }} as cost_number,
        lower({{ customer_segmentation.as_text('status') }}) as status,
        {% if version_column -%}
        {{ customer_segmentation.business_timestamp(version_column, source('raw', 'orders')) }} as version_at,
        {% endif -%}
        {{ customer_segmentation.raw_values(raw_columns) }} as raw_values
    from source

),

checked as (

    -- The first failing check names the reason, so each rejected row carries exactly one. Keys and the values
    -- that carry the order's meaning (ids, date, amount, status) reject the row; a bad cost only nulls the cost
    -- (cost_problem, recorded in rejected_values).
    select
        parsed.*,
        case
            when parsed.order_id is null then 'null order_id'
            when parsed.customer_id is null then 'null customer_id'
            when customers.customer_id is null then 'unknown customer_id'
            when parsed.ordered_at_text is null then 'null ordered_at'
            when parsed.ordered_at is null then 'unparseable ordered_at'
            when cast(parsed.ordered_at as date) < {{ customer_segmentation.earliest_valid_date() }}
                then 'ordered_at before 1900-01-01'
            when cast(parsed.ordered_at as date) > {{ customer_segmentation.build_run_date() }}
                then 'ordered_at after run date'
            when parsed.amount_text is null then 'null amount'
            when parsed.amount_number is null then 'unparseable amount'
            when abs(parsed.amount_number) >= {{ amount_limit }} then 'amount out of range'
            when parsed.status is null or parsed.status not in ('completed', 'refunded', 'cancelled')
                then 'unknown status'
            when parsed.status = 'refunded' and parsed.amount_number > 0 then 'positive amount on a refund'
            when parsed.status <> 'refunded' and parsed.amount_number < 0 then 'negative amount on a non-refund'
            when parsed.account_id is not null and accounts.account_id is null then 'unknown account_id'
            when parsed.account_id is not null and accounts.customer_id <> parsed.customer_id
                then 'account of another customer'
            when parsed.product_id is not null and products.product_id is null then 'unknown product_id'
        end as row_problem,
        case
            when parsed.cost_text is null then null
            when parsed.cost_number is null then 'unparseable cost'
            when abs(parsed.cost_number) >= {{ amount_limit }} then 'cost out of range'
        end as cost_problem
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id
    left join accounts
        on parsed.account_id = accounts.account_id
    left join products
        on parsed.product_id = products.product_id

),

typed as (

    select
        *,
        case when row_problem is null then cast(amount_number as {{ customer_segmentation.money_type() }}) end
            as amount,
        case when cost_problem is null then cast(cost_number as {{ customer_segmentation.money_type() }}) end as cost
    from checked

),

with_content as (

    -- What an order says, as parsed: copies that say the same ('10.0' and '10.00') are exact copies.
    select
        *,
        {{ dbt.concat([
            "coalesce(customer_id, '<null>')", "'|'",
            "coalesce(account_id, '<null>')", "'|'",
            "coalesce(product_id, '<null>')", "'|'",
            "coalesce(cast(ordered_at as " ~ dbt.type_string() ~ "), '<null>')", "'|'",
            "coalesce(cast(amount as " ~ dbt.type_string() ~ "), '<null>')", "'|'",
            "coalesce(cast(cost as " ~ dbt.type_string() ~ "), '<null>')", "'|'",
            "coalesce(status, '<null>')",
        ]) }} as content
    from typed

),

deduplicated as (

    -- One valid copy of each order_id is kept, by a rule on content, so the result never depends on the order
    -- rows were loaded in: the newest version when a version column is configured (var orders_version_column;
    -- a copy without a readable version is the oldest), then completed over refunded over cancelled (a copy
    -- that reports the sale wins over one that drops it: a cancellation without a version cannot be dated),
    -- then the latest ordered_at, the larger amount and, last, the greater raw text.
    select
        *,
        row_number() over (
            partition by order_id, case when row_problem is null then 0 else 1 end
            order by
                {% if version_column -%}
                version_at desc nulls last,
                {% endif -%}
                case status when 'completed' then 0 when 'refunded' then 1 else 2 end,
                ordered_at desc,
                amount desc,
                raw_values desc
        ) as copy_number
    from with_content

),

kept as (

    select
        *,
        max(case when copy_number = 1 then content end) over (
            partition by order_id, case when row_problem is null then 0 else 1 end
        ) as kept_content
    from deduplicated

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
        cost_text,
        cost_problem,
        case
            when row_problem is not null then row_problem
            when copy_number > 1 and content = kept_content then 'duplicate order_id'
            when copy_number > 1 then 'conflicting duplicate order_id'
        end as rejection_reason
    from kept

)

select * from final
