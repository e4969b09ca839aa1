"""TLS from the URLs alone (docs/security.md): Deploy/local/tls-check starts a throwaway PostgreSQL
with ssl = on (TLS connections only) and a throwaway RabbitMQ with only a TLS listener, both with
a certificate from a throwaway CA, and runs `coverpay migrate` / `coverpay topology apply` through
`sslmode=verify-full&sslrootcert=` and `amqps://…?cacertfile=`; without TLS or with another CA
the same commands must be refused, for that reason."""
from conftest import LOCAL_SCRIPTS, run


def test_postgres_and_rabbitmq_over_tls_with_a_self_signed_ca():
    result = run([LOCAL_SCRIPTS / "tls-check"], timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for check in ["coverpay migrate over TLS", "coverpay topology apply over amqps://",
                  "PostgreSQL without TLS is refused", "amqps:// with another CA is refused"]:
        assert f"PASS  {check}" in result.stdout, result.stdout
