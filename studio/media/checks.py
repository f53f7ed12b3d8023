"""The start-up check of an object store (STORAGE_BACKEND=s3): one plain sentence when the
bucket is missing, the store cannot be reached or refuses the credentials. Django runs it
before `runserver`, `runstudio`, `migrate` and `qcluster`, and `manage.py check` prints it."""

from __future__ import annotations

from django.core import checks
from django.core.files.storage import default_storage

from studio.web.objectstore import is_object_store

# Short: a start-up that waits a minute for an unreachable store helps nobody.
_QUICK = {"connect_timeout": 3, "read_timeout": 5, "retries": {"max_attempts": 1}}
_REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "401"}
_MISSING = {"404", "NoSuchBucket", "NotFound"}


def object_store_problem(storage=None) -> str | None:
    """Why the object store behind `storage` (default_storage) cannot be used, or None: a
    HEAD of its bucket with a 3 s connect timeout and no retries. None for a local storage."""
    storage = default_storage if storage is None else storage
    if not is_object_store(storage):
        return None
    # Imported here: boto3 costs every process ~11 MB, and only an object store needs it.
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    bucket = storage.bucket_name
    where = storage.endpoint_url or "AWS S3"
    if not bucket:
        return "STORAGE_BACKEND is s3 but S3_BUCKET is empty: name the bucket to store files in."
    client = boto3.session.Session(
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        aws_session_token=storage.security_token,
    ).client(
        "s3",
        region_name=storage.region_name,
        endpoint_url=storage.endpoint_url,
        config=storage.client_config.merge(Config(**_QUICK)),
    )
    try:
        client.head_bucket(Bucket=bucket)
    except NoCredentialsError:
        return (
            f"The object store {where} needs credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY."
        )
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            return f"The bucket '{bucket}' does not exist at {where}: create it, or fix S3_BUCKET."
        if code in _REFUSED:
            return (
                f"The object store {where} refuses the credentials for bucket '{bucket}' "
                f"({code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
            )
        return f"The object store {where} answered {code} for bucket '{bucket}'."
    except BotoCoreError as exc:
        return (
            f"The object store {where} cannot be reached ({exc}): check S3_ENDPOINT_URL and "
            "that the store is running."
        )
    return None


def object_store_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Django system check media.E001: the object store's problem, if any."""
    problem = object_store_problem()
    if problem is None:
        return []
    return [checks.Error(problem, id="media.E001")]
