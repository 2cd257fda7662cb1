"""The service a PassRole error's operation passes the role to, from botocore's service models."""

from __future__ import annotations

import pytest

from glue_iam_kit.errors import KitError
from glue_iam_kit.sources.service_models import passed_to_service, services_of_operation


@pytest.mark.parametrize("operation, text, principal", [
    ("UpdateJob", "", "glue.amazonaws.com"),
    ("UpdateJob", "(Service: AWSGlue; Status Code: 400", "glue.amazonaws.com"),
    # Glue defines these too: a text that names the other service is read against every model
    ("StartJobRun", "operation error EMR Serverless: StartJobRun, https", "emr-serverless.amazonaws.com"),
    ("CreateJob", "operation error MediaConvert: CreateJob, https response error", "mediaconvert.amazonaws.com"),
    ("StartJobRun", "An error occurred (AccessDenied) when calling the StartJobRun operation", "glue.amazonaws.com"),
    ("updateCrawler", "", "glue.amazonaws.com"),  # the console's spelling
    ("CreateFunction", "", "lambda.amazonaws.com"),  # CloudFront and AppSync define it too, without a role
    ("CreateFunction", "operation error Lambda: CreateFunction", "lambda.amazonaws.com"),
    ("RegisterTaskDefinition", "", "ecs-tasks.amazonaws.com"),  # the one principal botocore cannot give
    ("CreateTrainingJob", "", "sagemaker.amazonaws.com"),
    ("RunJobFlow", "", "elasticmapreduce.amazonaws.com"),
    ("CreateProject", "operation error CodeBuild: CreateProject", "codebuild.amazonaws.com"),
    ("CreateProject", "(Service: AWSCodeBuild; Status Code: 400)", "codebuild.amazonaws.com"),
    ("NoSuchOperationAnywhere", "", ""),
])
def test_the_operation_names_the_service(operation, text, principal):
    assert passed_to_service(operation, text) == principal


def test_an_operation_several_services_pass_roles_with_is_refused_in_one_line():
    with pytest.raises(KitError, match=r"several AWS services that take a role .*CodeBuild.*--service") as exc:
        passed_to_service("CreateProject")
    assert "\n" not in str(exc.value)


def test_which_services_define_an_operation():
    names = {s.name: s.passes_role for s in services_of_operation("CreateFunction")}
    assert names["lambda"] is True and names["cloudfront"] is False
