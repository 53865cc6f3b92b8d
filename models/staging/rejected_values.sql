{{ config(materialized='table') }}

with

customers as (

    select * from {{ ref('base_customers') }}

),

accounts as (

    select * from {{ ref('base_accounts') }}

),

orders as (

    select * from {{ ref('base_orders') }}

),

nulled as (

    -- Rows that were staged with one attribute set to null because its raw value could not be used. The row
    -- itself is not rejected (raw = staged + rejected_rows still holds); this is the record of the value.
    select
        'customers' as source_table,
        customer_id as source_key,
        'created_at' as column_name,
        created_at_problem as reason,
        created_at_text as raw_value
    from customers
    where rejection_reason is null
        and created_at_problem is not null

    union all

    select
        'accounts' as source_table,
        account_id as source_key,
        'opened_at' as column_name,
        opened_at_problem as reason,
        opened_at_text as raw_value
    from accounts
    where rejection_reason is null
        and opened_at_problem is not null

    union all

    select
        'orders' as source_table,
        order_id as source_key,
        'cost' as column_name,
        cost_problem as reason,
        cost_text as raw_value
    from orders
    where rejection_reason is null
        and cost_problem is not null

),

final as (

    select
        source_table,
        source_key,
        column_name,
        reason,
        raw_value
    from nulled

)

select * from final
