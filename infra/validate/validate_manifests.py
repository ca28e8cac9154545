#!/usr/bin/env python3
"""Validates the generated production manifests (infra/{cluster,migrate,knative,ingress,relay,keda,cron}/*.yaml).

    python3 infra/validate/validate_manifests.py [--self-test] [INFRA_DIR]

Three layers, every object:
  1. Core kinds (Namespace, Deployment, Service, PodDisruptionBudget, Ingress, Job, CronJob, ConfigMap,
     Secret) against the Kubernetes OpenAPI schema, strictly (unknown fields rejected): the JSON
     schemas kubernetes-validate (PyPI, pinned in Tests/requirements.txt) ships, built the way its
     validate() builds them, for MIN_KUBERNETES and for the newest version it has.
  2. CRD kinds against the fields their documentation defines (schemas below, unknown fields
     rejected): Knative Serving's Service (serving.knative.dev/v1, with the PodSpec subset Knative
     accepts without feature flags), KEDA's ScaledObject and TriggerAuthentication (keda.sh/v1alpha1,
     the redis-streams trigger's metadata and authentication parameters).
  3. Cross-references: every Secret key a manifest reads is in the Secret contract (the table of
     infra/README.md), and every contract key is read somewhere; every Secret/ConfigMap/Service/
     Deployment/TriggerAuthentication a manifest names exists among the objects (same namespace);
     selectors match their pods; every public prefix of routes.json has an Ingress path to its
     function and /socket.io/ one to the relay; no Ingress path matches /metrics or /healthz; every
     setting routes.json or jobs.json lists reaches its function's container.

--self-test applies known-bad edits to the manifests and fails unless each one is rejected.
Exit status 0 when everything is valid; one line per problem otherwise.
"""

import copy
import glob
import json
import os
import re
import sys

import yaml

GENERATED_FOLDERS = ["cluster", "migrate", "knative", "ingress", "relay", "keda", "cron"]
MIN_KUBERNETES = "1.29.0"
PINNED_KUBERNETES_VALIDATE = "1.37.0"
SECRET_NAME = "ccr-secrets"
RELAY_PATH = "/socket.io/"
NEVER_PUBLIC = ["/metrics", "/healthz"]

CORE_KINDS = {
    ("v1", "Namespace"), ("v1", "Service"), ("v1", "ConfigMap"), ("v1", "Secret"),
    ("apps/v1", "Deployment"), ("batch/v1", "Job"), ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"), ("policy/v1", "PodDisruptionBudget"),
}


# ---------------------------------------------------------------------------------------------
# Layer 1: the Kubernetes OpenAPI schema (kubernetes-validate)

def kubernetes_versions():
    import kubernetes_validate.utils as kv
    versions = [v for v in kv.all_versions() if version_key(v) >= version_key(MIN_KUBERNETES)]
    if not versions:
        raise SystemExit("kubernetes-validate ships no schema at or above %s" % MIN_KUBERNETES)
    return sorted({versions[0], versions[-1]}, key=version_key)


def version_key(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


_core_validators = {}
_core_definitions = {}


def core_validator(version, api_version, kind):
    """kubernetes-validate's strict schema of one kind, as its validate() builds it, kept for reuse
    (validate() reads the multi-megabyte definitions file again for every object)."""
    key = (version, api_version, kind)
    if key not in _core_validators:
        import jsonschema
        import referencing
        import kubernetes_validate.utils as kv
        group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        directory = "kubernetes-json-schema/v%s-local-strict" % version
        try:
            schema = kv.schema_contents("%s/%s-%s.json" % (directory, kind.lower(), group), version)
        except FileNotFoundError:
            _core_validators[key] = None
            return None
        if version not in _core_definitions:
            _core_definitions[version] = referencing.Resource.from_contents(kv.schema_contents(directory + "/_definitions.json", version))
        registry = _core_definitions[version] @ (referencing.Resource.from_contents(schema) @ referencing.Registry())
        _core_validators[key] = jsonschema.validators.Draft202012Validator(schema, registry=registry)
    return _core_validators[key]


def validate_core(obj, versions):
    problems = []
    for version in versions:
        validator = core_validator(version, obj["apiVersion"], obj["kind"])
        if validator is None:
            problems.append("Kubernetes %s schema: no schema for %s %s" % (version, obj["apiVersion"], obj["kind"]))
            continue
        for error in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in error.absolute_path)
            problems.append("Kubernetes %s schema: %s: %s" % (version, path or "(object)", error.message))
    return problems


class K8sDefinitions:
    """Strict JSON schemas of Kubernetes types (io.k8s.api.core.v1.Container, …) for the parts of
    CRD objects that embed them (a Knative Service's containers)."""

    def __init__(self, version):
        import jsonschema
        import referencing
        import kubernetes_validate.utils as kv
        self.jsonschema = jsonschema
        definitions = kv.schema_contents("kubernetes-json-schema/v%s-local-strict/_definitions.json" % version, version)
        self.registry = referencing.Registry().with_resource(definitions["$id"], referencing.Resource.from_contents(definitions))
        self.base = definitions["$id"]
        self.version = version
        self.validators = {}

    def check(self, value, definition, path):
        if definition not in self.validators:
            schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "%s#/$defs/%s" % (self.base, definition)}
            self.validators[definition] = self.jsonschema.Draft202012Validator(schema, registry=self.registry)
        validator = self.validators[definition]
        return ["%s: Kubernetes %s %s: %s" % (path + "".join("/%s" % p for p in e.absolute_path), self.version, definition.split(".")[-1], e.message)
                for e in validator.iter_errors(value)]


# ---------------------------------------------------------------------------------------------
# Layer 2: CRD schemas written from their documentation
#
# A spec is one of: a Python type (str, int, bool), ("list", spec), ("map", spec) (string keys),
# ("enum", values...), ("k8s", definition, spec) (the Kubernetes type, plus a spec of the subset
# allowed), or an Obj (named fields, required ones, unknown fields rejected).

ANY = ("any",)


class Obj:
    def __init__(self, fields, required=(), check=None):
        self.fields = fields
        self.required = set(required)
        self.check = check


def check_spec(value, spec, path, context):
    problems = []
    if spec == ANY:
        return problems
    if spec is str or spec is int or spec is bool:
        ok = isinstance(value, spec) and not (spec is int and isinstance(value, bool))
        if not ok:
            problems.append("%s: expected %s, got %r" % (path, spec.__name__, value))
    elif isinstance(spec, tuple) and spec[0] == "list":
        if not isinstance(value, list):
            return ["%s: expected a list" % path]
        for index, item in enumerate(value):
            problems += check_spec(item, spec[1], "%s[%d]" % (path, index), context)
    elif isinstance(spec, tuple) and spec[0] == "map":
        if not isinstance(value, dict):
            return ["%s: expected a map" % path]
        for key, item in value.items():
            problems += check_spec(item, spec[1], "%s/%s" % (path, key), context)
    elif isinstance(spec, tuple) and spec[0] == "enum":
        if value not in spec[1:]:
            problems.append("%s: %r is not one of %s" % (path, value, ", ".join(repr(v) for v in spec[1:])))
    elif isinstance(spec, tuple) and spec[0] == "k8s":
        problems += context["k8s"].check(value, spec[1], path)
        problems += check_spec(value, spec[2], path, context)
    elif isinstance(spec, Obj):
        if not isinstance(value, dict):
            return ["%s: expected a map" % path]
        for key in value:
            if key not in spec.fields:
                problems.append("%s: unknown field %r (allowed: %s)" % (path, key, ", ".join(sorted(spec.fields))))
        for key in sorted(spec.required):
            if key not in value:
                problems.append("%s: missing required field %r" % (path, key))
        for key, item in value.items():
            if key in spec.fields:
                problems += check_spec(item, spec.fields[key], "%s/%s" % (path, key), context)
        if spec.check and not problems:
            problems += spec.check(value, path)
    else:
        raise ValueError("bad spec at %s: %r" % (path, spec))
    return problems


def metadata_spec(annotation_check=None, label_check=None):
    def check(value, path):
        problems = []
        if annotation_check:
            problems += annotation_check(value.get("annotations", {}), path + "/annotations")
        if label_check:
            problems += label_check(value.get("labels", {}), path + "/labels")
        return problems
    return Obj({"name": str, "namespace": str, "labels": ("map", str), "annotations": ("map", str)}, required=["name"], check=check)


# Knative Serving (serving.knative.dev/v1 Service). Sources: knative.dev/docs/serving (Service, Revision
# and autoscaling pages) and the serving API's field masks (pkg/apis/serving/fieldmask.go): the
# PodSpec and Container fields Knative accepts without enabling a feature flag.

KNATIVE_AUTOSCALING_ANNOTATIONS = {
    # Scale bounds (both spellings are read; Cloud Run documents the camelCase ones).
    "minScale", "maxScale", "min-scale", "max-scale", "initial-scale", "initialScale", "activation-scale",
    "target", "target-utilization-percentage", "metric", "class", "window", "panic-window-percentage",
    "panic-threshold-percentage", "scale-down-delay", "scale-to-zero-pod-retention-period", "max-scale-down-rate", "max-scale-up-rate",
}
KNATIVE_SCALE_ALIASES = [("minScale", "min-scale"), ("maxScale", "max-scale"), ("initialScale", "initial-scale")]


def knative_annotations(annotations, path):
    problems = []
    for key, value in annotations.items():
        if key.startswith("autoscaling.knative.dev/"):
            name = key.split("/", 1)[1]
            if name not in KNATIVE_AUTOSCALING_ANNOTATIONS:
                problems.append("%s: unknown Knative autoscaling annotation %r" % (path, key))
            elif name in ("minScale", "maxScale", "min-scale", "max-scale", "initial-scale", "initialScale", "target") \
                    and not re.fullmatch(r"\d+", value):
                problems.append("%s/%s: expected a whole number as a string, got %r" % (path, key, value))
        elif key.startswith("serving.knative.dev/") or key.startswith("features.knative.dev/"):
            problems.append("%s: annotation %r is set by Knative or needs a feature flag" % (path, key))
    for a, b in KNATIVE_SCALE_ALIASES:
        if "autoscaling.knative.dev/" + a in annotations and "autoscaling.knative.dev/" + b in annotations:
            problems.append("%s: both autoscaling.knative.dev/%s and /%s (Knative rejects the pair)" % (path, a, b))
    minimum = annotations.get("autoscaling.knative.dev/minScale", annotations.get("autoscaling.knative.dev/min-scale"))
    maximum = annotations.get("autoscaling.knative.dev/maxScale", annotations.get("autoscaling.knative.dev/max-scale"))
    if minimum and maximum and re.fullmatch(r"\d+", minimum) and re.fullmatch(r"\d+", maximum) \
            and int(maximum) != 0 and int(minimum) > int(maximum):
        problems.append("%s: minScale %s is above maxScale %s" % (path, minimum, maximum))
    return problems


def knative_labels(labels, path):
    value = labels.get("networking.knative.dev/visibility")
    if value is not None and value != "cluster-local":
        return ["%s: networking.knative.dev/visibility must be cluster-local, got %r" % (path, value)]
    return []


KNATIVE_PROBE = Obj({
    "httpGet": Obj({"path": str, "port": ANY, "host": str, "scheme": ("enum", "HTTP", "HTTPS"), "httpHeaders": ("list", ANY)}),
    "tcpSocket": Obj({"port": ANY, "host": str}), "exec": Obj({"command": ("list", str)}), "grpc": Obj({"port": int, "service": str}),
    "initialDelaySeconds": int, "timeoutSeconds": int, "periodSeconds": int, "successThreshold": int, "failureThreshold": int,
})


def knative_port(port, path):
    problems = []
    if port.get("name", "http1") not in ("http1", "h2c", ""):
        problems.append("%s/name: Knative serves only http1 or h2c, got %r" % (path, port.get("name")))
    if port.get("protocol", "TCP") != "TCP":
        problems.append("%s/protocol: must be TCP" % path)
    return problems


def knative_capabilities(value, path):
    added = value.get("add", [])
    return [] if all(c == "NET_BIND_SERVICE" for c in added) else ["%s/add: Knative allows adding only NET_BIND_SERVICE" % path]


KNATIVE_CONTAINER = Obj({
    "name": str, "args": ("list", str), "command": ("list", str), "env": ("list", Obj({
        "name": str, "value": str,
        "valueFrom": Obj({"secretKeyRef": Obj({"name": str, "key": str, "optional": bool}, required=["key"]),
                          "configMapKeyRef": Obj({"name": str, "key": str, "optional": bool}, required=["key"])}),
    }, required=["name"])),
    "envFrom": ("list", Obj({"prefix": str, "configMapRef": Obj({"name": str, "optional": bool}),
                              "secretRef": Obj({"name": str, "optional": bool})})),
    "workingDir": str, "image": str, "imagePullPolicy": ("enum", "Always", "IfNotPresent", "Never"),
    "livenessProbe": KNATIVE_PROBE, "readinessProbe": KNATIVE_PROBE, "startupProbe": KNATIVE_PROBE,
    "ports": ("list", Obj({"name": str, "containerPort": int, "protocol": str}, check=knative_port)),
    "resources": Obj({"requests": ("map", ANY), "limits": ("map", ANY)}),
    "securityContext": Obj({
        "runAsUser": int, "runAsGroup": int, "runAsNonRoot": bool, "readOnlyRootFilesystem": bool, "allowPrivilegeEscalation": bool,
        "capabilities": Obj({"drop": ("list", str), "add": ("list", str)}, check=knative_capabilities),
        "seccompProfile": Obj({"type": ("enum", "RuntimeDefault", "Unconfined", "Localhost"), "localhostProfile": str}, required=["type"]),
    }),
    "terminationMessagePath": str, "terminationMessagePolicy": ("enum", "File", "FallbackToLogsOnError"),
    "volumeMounts": ("list", Obj({"name": str, "mountPath": str, "readOnly": bool, "subPath": str}, required=["name", "mountPath"])),
}, required=["image"])


def knative_revision_spec(spec, path):
    problems = []
    containers = spec.get("containers", [])
    if not containers:
        problems.append("%s/containers: at least one container" % path)
    serving = [c for c in containers if c.get("ports")]
    if len(containers) > 1 and len(serving) != 1:
        problems.append("%s/containers: with several containers exactly one names the serving port" % path)
    for index, container in enumerate(containers):
        if len(container.get("ports", [])) > 1:
            problems.append("%s/containers[%d]/ports: Knative serves one port" % (path, index))
        served = {p.get("containerPort", 8080) for p in container.get("ports", [])} or {8080}
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            for handler in ("httpGet", "tcpSocket", "grpc"):
                port = (container.get(probe) or {}).get(handler, {}).get("port")
                if port is not None and port not in served:
                    problems.append("%s/containers[%d]/%s/%s/port: Knative probes only the serving port %s, got %r"
                                    % (path, index, probe, handler, sorted(served), port))
    concurrency = spec.get("containerConcurrency")
    if concurrency is not None and not (0 <= concurrency <= 1000):
        problems.append("%s/containerConcurrency: 0..1000, got %r" % (path, concurrency))
    timeout = spec.get("timeoutSeconds")
    if timeout is not None and not (0 < timeout <= 3600):
        problems.append("%s/timeoutSeconds: 1..3600 (the cluster's max-revision-timeout-seconds default), got %r" % (path, timeout))
    return problems


KNATIVE_SERVICE = Obj({
    "apiVersion": ("enum", "serving.knative.dev/v1"), "kind": ("enum", "Service"),
    "metadata": metadata_spec(annotation_check=knative_annotations, label_check=knative_labels),
    "spec": Obj({
        "template": Obj({
            "metadata": Obj({"name": str, "labels": ("map", str), "annotations": ("map", str)},
                            check=lambda v, p: knative_annotations(v.get("annotations", {}), p + "/annotations")),
            "spec": Obj({
                "containerConcurrency": int, "timeoutSeconds": int, "responseStartTimeoutSeconds": int, "idleTimeoutSeconds": int,
                "serviceAccountName": str, "imagePullSecrets": ("list", Obj({"name": str})), "enableServiceLinks": bool,
                "volumes": ("list", ANY),
                "containers": ("list", ("k8s", "io.k8s.api.core.v1.Container", KNATIVE_CONTAINER)),
            }, required=["containers"], check=knative_revision_spec),
        }, required=["spec"]),
        "traffic": ("list", Obj({"revisionName": str, "configurationName": str, "latestRevision": bool, "percent": int, "tag": str})),
    }, required=["template"]),
}, required=["apiVersion", "kind", "metadata", "spec"])


# KEDA (keda.sh/v1alpha1). Sources: keda.sh/docs "ScaledObject specification", "Authentication"
# (TriggerAuthentication) and the "Redis Streams" scaler page (trigger metadata, authentication
# parameters address/host/port/username/password and the TLS ones).

REDIS_STREAMS_METADATA = {
    "address", "host", "port", "addressFromEnv", "hostFromEnv", "portFromEnv", "usernameFromEnv", "passwordFromEnv",
    "stream", "consumerGroup", "pendingEntriesCount", "streamLength", "lagCount", "activationLagCount", "activationTargetLag",
    "activationStreamLength", "activationPendingEntriesCount", "enableTLS", "unsafeSsl", "databaseIndex",
}
REDIS_STREAMS_AUTH_PARAMETERS = {"address", "host", "port", "username", "password", "tls", "ca", "cert", "key", "keyPassword"}


def redis_streams_trigger(trigger, path):
    problems = []
    metadata = trigger.get("metadata", {})
    for key, value in metadata.items():
        if key not in REDIS_STREAMS_METADATA:
            problems.append("%s/metadata: unknown redis-streams parameter %r" % (path, key))
        elif not isinstance(value, str):
            problems.append("%s/metadata/%s: trigger metadata values are strings, got %r" % (path, key, value))
    if "stream" not in metadata:
        problems.append("%s/metadata: missing required parameter 'stream'" % path)
    for key in ("pendingEntriesCount", "streamLength", "lagCount", "databaseIndex", "activationLagCount"):
        if key in metadata and not re.fullmatch(r"\d+", str(metadata[key])):
            problems.append("%s/metadata/%s: a whole number as a string" % (path, key))
    if "lagCount" in metadata and "consumerGroup" not in metadata:
        problems.append("%s/metadata: lagCount needs consumerGroup" % path)
    if "consumerGroup" in metadata and "streamLength" in metadata:
        problems.append("%s/metadata: with consumerGroup KEDA ignores streamLength (it scales on pending entries or lag)" % path)
    if "pendingEntriesCount" in metadata and "consumerGroup" not in metadata:
        problems.append("%s/metadata: pendingEntriesCount needs consumerGroup" % path)
    has_address = any(k in metadata for k in ("address", "addressFromEnv", "host", "hostFromEnv"))
    if not has_address and "authenticationRef" not in trigger:
        problems.append("%s: no Redis address (metadata address/host or an authenticationRef)" % path)
    return problems


def scaled_trigger(trigger, path):
    if trigger.get("type") in ("redis-streams", "redis-cluster-streams", "redis-sentinel-streams"):
        return redis_streams_trigger(trigger, path)
    return ["%s/type: only the redis-streams scaler is described here, got %r" % (path, trigger.get("type"))]


SCALED_OBJECT = Obj({
    "apiVersion": ("enum", "keda.sh/v1alpha1"), "kind": ("enum", "ScaledObject"),
    "metadata": metadata_spec(),
    "spec": Obj({
        "scaleTargetRef": Obj({"apiVersion": str, "kind": str, "name": str, "envSourceContainerName": str}, required=["name"]),
        "pollingInterval": int, "cooldownPeriod": int, "initialCooldownPeriod": int, "idleReplicaCount": int,
        "minReplicaCount": int, "maxReplicaCount": int,
        "fallback": Obj({"failureThreshold": int, "replicas": int, "behavior": str}, required=["failureThreshold", "replicas"]),
        "advanced": Obj({"restoreToOriginalReplicaCount": bool, "horizontalPodAutoscalerConfig": ANY, "scalingModifiers": ANY}),
        "triggers": ("list", Obj({
            "type": str, "name": str, "metadata": ("map", ANY), "useCachedMetrics": bool, "metricType": ("enum", "AverageValue", "Value", "Utilization"),
            "authenticationRef": Obj({"name": str, "kind": ("enum", "TriggerAuthentication", "ClusterTriggerAuthentication")}, required=["name"]),
        }, required=["type", "metadata"], check=scaled_trigger)),
    }, required=["scaleTargetRef", "triggers"], check=lambda s, p: (
        ["%s: minReplicaCount %s above maxReplicaCount %s" % (p, s["minReplicaCount"], s["maxReplicaCount"])]
        if s.get("minReplicaCount", 0) > s.get("maxReplicaCount", 100) else [])
        + (["%s/triggers: at least one trigger" % p] if not s.get("triggers") else [])),
}, required=["apiVersion", "kind", "metadata", "spec"])

TRIGGER_AUTHENTICATION = Obj({
    "apiVersion": ("enum", "keda.sh/v1alpha1"), "kind": ("enum", "TriggerAuthentication"),
    "metadata": metadata_spec(),
    "spec": Obj({
        "podIdentity": Obj({"provider": ("enum", "none", "azure-workload", "aws", "aws-eks", "gcp"), "identityId": str, "roleArn": str,
                            "identityOwner": str}),
        "secretTargetRef": ("list", Obj({"parameter": str, "name": str, "key": str}, required=["parameter", "name", "key"])),
        "env": ("list", Obj({"parameter": str, "name": str, "containerName": str}, required=["parameter", "name"])),
        "configMapTargetRef": ("list", Obj({"parameter": str, "name": str, "key": str}, required=["parameter", "name", "key"])),
        "hashiCorpVault": ANY, "azureKeyVault": ANY, "awsSecretManager": ANY, "gcpSecretManager": ANY, "boundServiceAccountToken": ANY,
    }),
}, required=["apiVersion", "kind", "metadata", "spec"])

CRD_SCHEMAS = {
    ("serving.knative.dev/v1", "Service"): KNATIVE_SERVICE,
    ("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION,
}


# ---------------------------------------------------------------------------------------------
# Layer 3: cross-references

def secret_contract(readme_text):
    """The keys of the README's Secrets table: rows "| `KEY` | optional | …"."""
    keys = {}
    for line in readme_text.splitlines():
        match = re.match(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(yes|no)\s*\|", line)
        if match:
            keys[match.group(1)] = match.group(2) == "yes"
    return keys


def pod_specs(obj):
    """(path, pod spec) of a workload object."""
    kind = obj.get("kind")
    spec = obj.get("spec", {})
    if kind in ("Deployment", "Job"):
        return [("spec/template/spec", spec.get("template", {}).get("spec", {}))]
    if kind == "CronJob":
        return [("spec/jobTemplate/spec/template/spec", spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {}))]
    if kind == "Service" and obj.get("apiVersion") == "serving.knative.dev/v1":
        return [("spec/template/spec", spec.get("template", {}).get("spec", {}))]
    return []


def ref_paths(containers):
    """Every secretKeyRef / configMapKeyRef / envFrom reference: (kind, name, key, optional, container)."""
    refs = []
    for container in containers:
        for env in container.get("env", []) or []:
            source = (env.get("valueFrom") or {})
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                refs.append(("Secret", ref.get("name"), ref.get("key"), bool(ref.get("optional")), container.get("name"), env.get("name")))
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                refs.append(("ConfigMap", ref.get("name"), ref.get("key"), bool(ref.get("optional")), container.get("name"), env.get("name")))
        for source in container.get("envFrom", []) or []:
            if "secretRef" in source:
                refs.append(("Secret", source["secretRef"].get("name"), None, bool(source["secretRef"].get("optional")), container.get("name"), None))
            if "configMapRef" in source:
                refs.append(("ConfigMap", source["configMapRef"].get("name"), None, bool(source["configMapRef"].get("optional")), container.get("name"), None))
    return refs


def matches_path(path_rule, path_type, request_path):
    """Kubernetes Ingress matching: Exact, or Prefix on '/'-separated elements."""
    if path_type == "Exact":
        return request_path == path_rule
    rule = path_rule.rstrip("/")
    if rule == "":
        return True
    return request_path == rule or request_path.startswith(rule + "/")


def cross_references(objects, routes, jobs, contract):
    problems = []
    by_kind = {}
    for source, obj in objects:
        by_kind.setdefault(obj.get("kind"), []).append((source, obj))

    def names(kind, api_version=None, namespace=None):
        return {o["metadata"]["name"] for _, o in by_kind.get(kind, [])
                if (api_version is None or o.get("apiVersion") == api_version)
                and (namespace is None or o["metadata"].get("namespace") == namespace)}

    namespaces = {o["metadata"].get("namespace") for _, o in objects if o.get("kind") != "Namespace"}
    declared_namespaces = names("Namespace")
    if len(namespaces) != 1 or None in namespaces:
        problems.append("objects: every object names one namespace, found %s" % sorted(str(n) for n in namespaces))
    for namespace in namespaces:
        if namespace and namespace not in declared_namespaces:
            problems.append("objects: namespace %s has no Namespace object" % namespace)
    secrets_declared = names("Secret")
    config_maps = names("ConfigMap")
    used_keys = set()

    def check_secret_key(where, name, key, optional):
        if name != SECRET_NAME and name not in secrets_declared:
            problems.append("%s: Secret %r is neither the contract's %s nor a generated Secret" % (where, name, SECRET_NAME))
            return
        if name == SECRET_NAME and key is not None:
            used_keys.add(key)
            if key not in contract:
                problems.append("%s: Secret key %s is not in the Secret contract (infra/README.md)" % (where, key))
            elif optional and not contract[key]:
                problems.append("%s: %s is optional here but required in the contract" % (where, key))
            elif not optional and contract[key]:
                problems.append("%s: %s is optional in the contract but required here (a pod would not start without it)" % (where, key))

    # Secret / ConfigMap references of every container.
    for source, obj in objects:
        for spec_path, spec in pod_specs(obj):
            containers = (spec.get("containers") or []) + (spec.get("initContainers") or [])
            for kind, name, key, optional, container, variable in ref_paths(containers):
                where = "%s: %s/%s container %s" % (source, obj["kind"], obj["metadata"]["name"], container)
                if kind == "Secret":
                    check_secret_key(where, name, key, optional)
                    if key is not None and variable != key:
                        problems.append("%s: variable %s reads key %s (names and keys are the same in this project)" % (where, variable, key))
                elif name not in config_maps:
                    problems.append("%s: ConfigMap %r does not exist" % (where, name))
            for volume in spec.get("volumes") or []:
                if "secret" in volume and volume["secret"].get("secretName") not in secrets_declared | {SECRET_NAME}:
                    problems.append("%s: volume Secret %r does not exist" % (source, volume["secret"].get("secretName")))
                if "configMap" in volume and volume["configMap"].get("name") not in config_maps:
                    problems.append("%s: volume ConfigMap %r does not exist" % (source, volume["configMap"].get("name")))

    # KEDA: TriggerAuthentication secrets, ScaledObject targets and authentication references.
    trigger_auths = names("TriggerAuthentication")
    deployments = {o["metadata"]["name"]: o for _, o in by_kind.get("Deployment", [])}
    for source, obj in by_kind.get("TriggerAuthentication", []):
        for ref in obj.get("spec", {}).get("secretTargetRef", []) or []:
            check_secret_key("%s: TriggerAuthentication/%s parameter %s" % (source, obj["metadata"]["name"], ref.get("parameter")),
                             ref.get("name"), ref.get("key"), False)
            if ref.get("parameter") not in REDIS_STREAMS_AUTH_PARAMETERS:
                problems.append("%s: TriggerAuthentication parameter %r is not one the redis-streams scaler reads" % (source, ref.get("parameter")))
    for source, obj in by_kind.get("ScaledObject", []):
        where = "%s: ScaledObject/%s" % (source, obj["metadata"]["name"])
        target = obj.get("spec", {}).get("scaleTargetRef", {})
        if target.get("kind", "Deployment") != "Deployment" or target.get("name") not in deployments:
            problems.append("%s: scaleTargetRef names no generated Deployment (%r)" % (where, target.get("name")))
        elif "replicas" in deployments[target["name"]].get("spec", {}):
            problems.append("%s: Deployment %s sets replicas, which every apply would force over KEDA's count" % (where, target["name"]))
        for trigger in obj.get("spec", {}).get("triggers", []) or []:
            ref = trigger.get("authenticationRef")
            metadata = trigger.get("metadata", {})
            if ref and ref.get("kind", "TriggerAuthentication") == "TriggerAuthentication" and ref.get("name") not in trigger_auths:
                problems.append("%s: authenticationRef names no generated TriggerAuthentication (%r)" % (where, ref.get("name")))
            for parameter in ("addressFromEnv", "hostFromEnv", "portFromEnv", "usernameFromEnv", "passwordFromEnv"):
                variable = metadata.get(parameter)
                if variable and target.get("name") in deployments:
                    container = deployments[target["name"]]["spec"]["template"]["spec"]["containers"][0]
                    if variable not in {e.get("name") for e in container.get("env", [])}:
                        problems.append("%s: %s reads %s, which the worker's container does not define" % (where, parameter, variable))
            if not ref and not any(k in metadata for k in ("address", "host", "addressFromEnv", "hostFromEnv")):
                problems.append("%s: the trigger has no way to reach Redis" % where)

    # Selectors: Deployments and Services and PDBs select pods that exist.
    pod_labels = []
    for source, obj in by_kind.get("Deployment", []):
        template_labels = obj["spec"]["template"].get("metadata", {}).get("labels", {})
        selector = obj["spec"].get("selector", {}).get("matchLabels", {})
        if not selector or any(template_labels.get(k) != v for k, v in selector.items()):
            problems.append("%s: Deployment/%s selector %s does not match its pod labels" % (source, obj["metadata"]["name"], selector))
        pod_labels.append((obj, template_labels))
    for kind in ("Service", "PodDisruptionBudget"):
        for source, obj in by_kind.get(kind, []):
            if obj.get("apiVersion") == "serving.knative.dev/v1":
                continue
            selector = obj["spec"].get("selector", {})
            selector = selector.get("matchLabels", selector) if kind == "PodDisruptionBudget" else selector
            matched = [d for d, labels in pod_labels if selector and all(labels.get(k) == v for k, v in selector.items())]
            if not matched:
                problems.append("%s: %s/%s selects no generated pods (%s)" % (source, kind, obj["metadata"]["name"], selector))
            elif kind == "Service":
                ports = {p.get("name") for c in matched[0]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
                numbers = {p.get("containerPort") for c in matched[0]["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
                for port in obj["spec"].get("ports", []):
                    target = port.get("targetPort", port.get("port"))
                    if target not in ports and target not in numbers:
                        problems.append("%s: Service/%s targetPort %r is no port of its pods" % (source, obj["metadata"]["name"], target))

    # Ingress: backends exist; every public route and the relay are routed; /metrics is not.
    knative = names("Service", "serving.knative.dev/v1")
    core_services = {o["metadata"]["name"]: o for _, o in by_kind.get("Service", []) if o.get("apiVersion") == "v1"}
    routed = []  # (path, pathType, service, upstream vhost)
    hosts = set()
    for source, obj in by_kind.get("Ingress", []):
        annotations = obj["metadata"].get("annotations", {})
        vhost = annotations.get("nginx.ingress.kubernetes.io/upstream-vhost")
        tls_hosts = {h for t in obj["spec"].get("tls", []) or [] for h in t.get("hosts", [])}
        for t in obj["spec"].get("tls", []) or []:
            if t.get("secretName") is None:
                problems.append("%s: Ingress/%s TLS entry without secretName" % (source, obj["metadata"]["name"]))
        for rule in obj["spec"].get("rules", []) or []:
            host = rule.get("host")
            hosts.add(host)
            if host not in tls_hosts:
                problems.append("%s: Ingress/%s host %s has no TLS entry" % (source, obj["metadata"]["name"], host))
            for path in rule.get("http", {}).get("paths", []) or []:
                service = path.get("backend", {}).get("service", {})
                name, port = service.get("name"), service.get("port", {}).get("number")
                where = "%s: Ingress/%s path %s" % (source, obj["metadata"]["name"], path.get("path"))
                if name in knative:
                    expected = "%s.%s.svc.cluster.local" % (name, obj["metadata"].get("namespace"))
                    if vhost != expected:
                        problems.append("%s: a Knative backend needs upstream-vhost %s (Knative's gateway routes by Host), got %r" % (where, expected, vhost))
                    if port != 80:
                        problems.append("%s: Knative Services listen on port 80, got %r" % (where, port))
                elif name in core_services:
                    if port not in {p.get("port") for p in core_services[name]["spec"].get("ports", [])}:
                        problems.append("%s: Service %s has no port %r" % (where, name, port))
                else:
                    problems.append("%s: backend Service %r does not exist" % (where, name))
                routed.append((path.get("path"), path.get("pathType"), name, host))
    if len(hosts) != 1:
        problems.append("ingress: expected one public host, found %s" % sorted(str(h) for h in hosts))

    def ingress_route(request_path):
        """What ingress-nginx picks: Exact first, then the longest Prefix."""
        exact = [r for r in routed if r[1] == "Exact" and matches_path(r[0], "Exact", request_path)]
        if exact:
            return exact[0]
        prefixes = [r for r in routed if r[1] == "Prefix" and matches_path(r[0], "Prefix", request_path)]
        return max(prefixes, key=lambda r: len(r[0].rstrip("/"))) if prefixes else None

    for route in routes:
        if not route.get("public"):
            if ingress_route(route["prefix"]):
                problems.append("ingress: %s is not public in routes.json but is routed" % route["prefix"])
            continue
        probes = [route["prefix"]] if route.get("exact") else [route["prefix"], route["prefix"].rstrip("/") + "/x"]
        for probe in probes:
            hit = ingress_route(probe)
            if hit is None:
                problems.append("ingress: public route %s (%s) has no Ingress path" % (route["prefix"], route["function"]))
            elif hit[2] != route["function"]:
                problems.append("ingress: %s goes to %s, routes.json says %s" % (probe, hit[2], route["function"]))
        if not route.get("exact"):
            kinds = {r[1] for r in routed if r[0] == route["prefix"]}
            if kinds and kinds != {"Prefix"}:
                problems.append("ingress: %s is a prefix route but its path is %s" % (route["prefix"], kinds))
        elif {r[1] for r in routed if r[0] == route["prefix"]} != {"Exact"}:
            problems.append("ingress: %s is an exact route and needs pathType Exact" % route["prefix"])
    relay_hit = ingress_route(RELAY_PATH.rstrip("/") + "/x")
    if relay_hit is None or relay_hit[2] not in core_services:
        problems.append("ingress: %s is not routed to the relay Service" % RELAY_PATH)
    else:
        relay_ingress = [o for _, o in by_kind.get("Ingress", []) if any(
            p.get("path") == RELAY_PATH for r in o["spec"].get("rules", []) for p in r.get("http", {}).get("paths", []))]
        annotations = relay_ingress[0]["metadata"].get("annotations", {}) if relay_ingress else {}
        if annotations.get("nginx.ingress.kubernetes.io/affinity") != "cookie":
            problems.append("ingress: %s needs cookie affinity (Engine.IO polling sends a session's requests to one pod)" % RELAY_PATH)
        for key in ("nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout"):
            if int(annotations.get(key, "60")) < 300:
                problems.append("ingress: %s needs %s of at least 300 s (idle WebSockets)" % (RELAY_PATH, key))
    for path in NEVER_PUBLIC:
        for probe in (path, path + "/x"):
            hit = ingress_route(probe)
            if hit is not None:
                problems.append("ingress: %s is routed publicly (to %s by path %s)" % (probe, hit[2], hit[0]))

    # Settings of routes.json / jobs.json reach their containers.
    knative_by_name = {o["metadata"]["name"]: o for _, o in by_kind.get("Service", []) if o.get("apiVersion") == "serving.knative.dev/v1"}
    for route in routes:
        if "env" not in route:
            continue
        service = knative_by_name.get(route["function"])
        if service is None:
            problems.append("knative: no Knative Service for %s" % route["function"])
            continue
        defined = {e.get("name") for c in service["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
        for name in route["env"]:
            if name not in defined:
                problems.append("knative/%s: %s (routes.json) is not in its environment" % (route["function"], name))
    for job in jobs:
        deployment = deployments.get(job["function"])
        if deployment is None:
            problems.append("keda: no worker Deployment for %s" % job["function"])
            continue
        defined = {e.get("name") for c in deployment["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
        for name in job.get("env", []):
            if name not in defined:
                problems.append("keda/%s: %s (jobs.json) is not in its environment" % (job["function"], name))
        scaled = [o for _, o in by_kind.get("ScaledObject", []) if o["spec"]["scaleTargetRef"].get("name") == job["function"]]
        if len(scaled) != 1:
            problems.append("keda: %s needs exactly one ScaledObject, found %d" % (job["function"], len(scaled)))
        elif not any(t.get("metadata", {}).get("stream") == "jobs:" + job["function"] for t in scaled[0]["spec"]["triggers"]):
            problems.append("keda: the ScaledObject of %s does not watch the stream jobs:%s" % (job["function"], job["function"]))
        if not any(job["function"] in (c.get("args") or [])
                   for _, o in by_kind.get("CronJob", []) for c in o["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]):
            problems.append("cron: no CronJob enqueues %s" % job["function"])

    # The migrate Job: the only reader of DATABASE_ADMIN_URL, non-root, bounded.
    migrate_jobs = [(s, o) for s, o in by_kind.get("Job", []) if any(
        "DATABASE_ADMIN_URL" == e.get("name") for c in o["spec"]["template"]["spec"]["containers"] for e in c.get("env", []))]
    if not migrate_jobs:
        problems.append("migrate: no Job runs the migrations with DATABASE_ADMIN_URL")
    for source, obj in migrate_jobs:
        spec = obj["spec"]
        if spec.get("backoffLimit") is None or spec.get("activeDeadlineSeconds") is None:
            problems.append("%s: the migrate Job needs backoffLimit and activeDeadlineSeconds" % source)
        if spec["template"]["spec"].get("restartPolicy") != "Never":
            problems.append("%s: the migrate Job should not restart in place (restartPolicy Never)" % source)
    for source, obj in objects:
        for spec_path, spec in pod_specs(obj):
            for container in spec.get("containers", []):
                if obj.get("kind") != "Job" and any(e.get("name") == "DATABASE_ADMIN_URL" for e in container.get("env", [])):
                    problems.append("%s: %s/%s reads DATABASE_ADMIN_URL (only the migrate Job may)" % (source, obj["kind"], obj["metadata"]["name"]))
                context = container.get("securityContext", {})
                pod_context = spec.get("securityContext", {})
                if not (context.get("runAsNonRoot") or pod_context.get("runAsNonRoot")):
                    problems.append("%s: %s/%s container %s may run as root" % (source, obj["kind"], obj["metadata"]["name"], container.get("name")))
                if context.get("allowPrivilegeEscalation") is not False:
                    problems.append("%s: %s/%s container %s allows privilege escalation" % (source, obj["kind"], obj["metadata"]["name"], container.get("name")))

    for key in sorted(set(contract) - used_keys):
        problems.append("contract: %s is in infra/README.md's Secret table but no manifest reads it" % key)
    return problems


# ---------------------------------------------------------------------------------------------

def load(infra):
    objects = []
    files = sorted(f for folder in GENERATED_FOLDERS for f in glob.glob(os.path.join(infra, folder, "*.yaml")))
    for path in files:
        with open(path) as handle:
            for document in yaml.safe_load_all(handle):
                if document is not None:
                    objects.append((os.path.relpath(path, infra), document))
    return objects


def validate(objects, routes, jobs, contract, versions, k8s):
    problems = []
    for source, obj in objects:
        if not isinstance(obj, dict) or not all(k in obj for k in ("apiVersion", "kind", "metadata")):
            problems.append("%s: not a Kubernetes object (apiVersion, kind, metadata)" % source)
            continue
        key = (obj["apiVersion"], obj["kind"])
        label = "%s: %s/%s" % (source, obj["kind"], obj["metadata"].get("name"))
        if key in CORE_KINDS:
            problems += ["%s: %s" % (label, p) for p in validate_core(obj, versions)]
        elif key in CRD_SCHEMAS:
            problems += ["%s: %s" % (label, p) for p in check_spec(obj, CRD_SCHEMAS[key], "", {"k8s": k8s})]
        else:
            problems.append("%s: no schema for %s %s" % (label, obj["apiVersion"], obj["kind"]))
    if not problems:
        problems += cross_references(objects, routes, jobs, contract)
    return problems


def mutations():
    """(description, edit) pairs; each edit breaks the manifests in one way the validator must catch."""
    def find(objects, kind, api_version=None, name=None):
        for _, obj in objects:
            if obj["kind"] == kind and (api_version is None or obj["apiVersion"] == api_version) \
                    and (name is None or obj["metadata"]["name"] == name):
                return obj
        raise LookupError("no %s %s" % (kind, name or ""))

    def knative(objects):
        return find(objects, "Service", "serving.knative.dev/v1")

    def first_ingress_paths(objects):
        return find(objects, "Ingress")["spec"]["rules"][0]["http"]["paths"]

    def relay_ingress(objects):
        return find(objects, "Ingress", name="ccr-socket-relay")

    def env(container, name):
        return next(e for e in container["env"] if e["name"] == name)

    def run_as_root(pod):
        pod["securityContext"] = {}
        for container in pod["containers"]:
            container.get("securityContext", {}).pop("runAsNonRoot", None)

    return [
        ("unknown field in a Deployment", lambda o: find(o, "Deployment")["spec"].update({"replica": 2})),
        ("wrong type in a CronJob", lambda o: find(o, "CronJob")["spec"].update({"startingDeadlineSeconds": "soon"})),
        ("unknown field in a Job's container", lambda o: find(o, "Job")["spec"]["template"]["spec"]["containers"][0].update({"cmd": ["x"]})),
        ("Ingress pathType typo", lambda o: first_ingress_paths(o)[0].update({"pathType": "prefix"})),
        ("unknown field in a Knative Service", lambda o: knative(o)["spec"]["template"]["spec"].update({"nodeName": "n1"})),
        ("Knative container field Knative refuses", lambda o: knative(o)["spec"]["template"]["spec"]["containers"][0].update({"stdin": True})),
        ("Knative port name", lambda o: knative(o)["spec"]["template"]["spec"]["containers"][0]["ports"][0].update({"name": "web"})),
        ("Knative annotation typo", lambda o: knative(o)["spec"]["template"]["metadata"]["annotations"].update(
            {"autoscaling.knative.dev/minscale": "0"})),
        ("Knative scale annotation both spellings", lambda o: knative(o)["spec"]["template"]["metadata"]["annotations"].update(
            {"autoscaling.knative.dev/min-scale": "0"})),
        ("Kubernetes type inside a Knative container", lambda o: knative(o)["spec"]["template"]["spec"]["containers"][0].update({"workingDir": 7})),
        ("unknown ScaledObject field", lambda o: find(o, "ScaledObject")["spec"].update({"minReplicas": 0})),
        ("unknown redis-streams parameter", lambda o: find(o, "ScaledObject")["spec"]["triggers"][0]["metadata"].update({"streamName": "x"})),
        ("pendingEntriesCount without consumerGroup", lambda o: find(o, "ScaledObject")["spec"]["triggers"][0]["metadata"].update(
            {"pendingEntriesCount": "1"})),
        ("unknown TriggerAuthentication field", lambda o: find(o, "TriggerAuthentication")["spec"].update({"secretRef": []})),
        ("TriggerAuthentication reads a key outside the contract", lambda o: find(o, "TriggerAuthentication")["spec"]["secretTargetRef"][0].update(
            {"key": "REDIS_HOSTNAME"})),
        ("ScaledObject names a missing TriggerAuthentication", lambda o: find(o, "ScaledObject")["spec"]["triggers"][0].update(
            {"authenticationRef": {"name": "redis-auth"}})),
        ("ScaledObject scales a missing Deployment", lambda o: find(o, "ScaledObject")["spec"]["scaleTargetRef"].update({"name": "nope"})),
        ("passwordFromEnv names a variable the worker lacks", lambda o: find(o, "ScaledObject")["spec"]["triggers"][0]["metadata"].update(
            {"passwordFromEnv": "REDIS_PASSWORD"})),
        ("secret key outside the contract", lambda o: env(knative(o)["spec"]["template"]["spec"]["containers"][0], "DATABASE_URL")
            ["valueFrom"]["secretKeyRef"].update({"key": "DATABASE_URI"})),
        ("another Secret", lambda o: env(knative(o)["spec"]["template"]["spec"]["containers"][0], "DATABASE_URL")
            ["valueFrom"]["secretKeyRef"].update({"name": "db-secrets"})),
        ("required key marked optional", lambda o: env(knative(o)["spec"]["template"]["spec"]["containers"][0], "DATABASE_URL")
            ["valueFrom"]["secretKeyRef"].update({"optional": True})),
        ("missing ConfigMap", lambda o: find(o, "Deployment")["spec"]["template"]["spec"]["containers"][0].update(
            {"envFrom": [{"configMapRef": {"name": "ccr-settings"}}]})),
        ("Ingress backend that does not exist", lambda o: first_ingress_paths(o)[0]["backend"]["service"].update({"name": "ghost"})),
        ("public route without an Ingress path", lambda o: first_ingress_paths(o).pop(0)),
        ("/metrics routed publicly", lambda o: relay_ingress(o)["spec"]["rules"][0]["http"]["paths"].append(
            {"path": "/metrics", "pathType": "Prefix", "backend": {"service": {"name": "socket-relay", "port": {"number": 80}}}})),
        ("a catch-all prefix exposes /metrics", lambda o: relay_ingress(o)["spec"]["rules"][0]["http"]["paths"].append(
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "socket-relay", "port": {"number": 80}}}})),
        ("relay without cookie affinity", lambda o: relay_ingress(o)["metadata"]["annotations"].pop("nginx.ingress.kubernetes.io/affinity")),
        ("relay with the default 60 s timeout", lambda o: relay_ingress(o)["metadata"]["annotations"].update(
            {"nginx.ingress.kubernetes.io/proxy-read-timeout": "60"})),
        ("Knative backend without upstream-vhost", lambda o: find(o, "Ingress")["metadata"]["annotations"].pop(
            "nginx.ingress.kubernetes.io/upstream-vhost")),
        ("Service selecting no pods", lambda o: find(o, "Service", "v1")["spec"].update({"selector": {"app": "relay"}})),
        ("route setting missing from its Knative Service", lambda o: knative(o)["spec"]["template"]["spec"]["containers"][0]["env"].pop()),
        ("a function reads DATABASE_ADMIN_URL", lambda o: knative(o)["spec"]["template"]["spec"]["containers"][0]["env"].append(
            {"name": "DATABASE_ADMIN_URL", "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": "DATABASE_ADMIN_URL", "optional": False}}})),
        ("container allowed to run as root", lambda o: run_as_root(find(o, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"])),
        ("migrate Job without a deadline", lambda o: find(o, "Job")["spec"].pop("activeDeadlineSeconds")),
        ("worker Deployment pins replicas", lambda o: find(o, "Deployment", name=find(o, "ScaledObject")["spec"]["scaleTargetRef"]["name"])
            ["spec"].update({"replicas": 0})),
        ("object in another namespace", lambda o: find(o, "CronJob")["metadata"].update({"namespace": "default"})),
        ("unknown kind", lambda o: o.append(("extra.yaml", {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                                                             "metadata": {"name": "x"}}))),
    ]


def main(argv):
    arguments = [a for a in argv if not a.startswith("--")]
    infra = os.path.abspath(arguments[0] if arguments else os.path.join(os.path.dirname(__file__), ".."))
    import kubernetes_validate.version
    if kubernetes_validate.version.__version__ != PINNED_KUBERNETES_VALIDATE:
        print("warning: kubernetes-validate %s, Tests/requirements.txt pins %s"
              % (kubernetes_validate.version.__version__, PINNED_KUBERNETES_VALIDATE))
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")
    with open(readme) as handle:
        contract = secret_contract(handle.read())
    with open(os.path.join(infra, "routes.json")) as handle:
        routes = json.load(handle)["routes"]
    with open(os.path.join(infra, "jobs.json")) as handle:
        jobs = json.load(handle)["jobs"]
    if not contract:
        print("error: no Secret table in %s" % readme)
        return 1
    objects = load(infra)
    if not objects:
        print("error: no manifests under %s" % infra)
        return 1
    versions = kubernetes_versions()
    k8s = K8sDefinitions(versions[-1])
    problems = validate(objects, routes, jobs, contract, versions, k8s)
    for problem in problems:
        print("error: " + problem)
    kinds = sorted({"%s %s" % (o["apiVersion"], o["kind"]) for _, o in objects})
    if problems:
        print("%d problems in %d objects" % (len(problems), len(objects)))
        return 1
    print("valid: %d objects (%s); Kubernetes schemas %s; %d Secret keys in the contract"
          % (len(objects), ", ".join(kinds), " and ".join(versions), len(contract)))
    if "--self-test" in argv:
        missed = []
        for description, edit in mutations():
            broken = copy.deepcopy(objects)
            edit(broken)
            found = validate(broken, routes, jobs, contract, versions[-1:], k8s)
            if not found:
                missed.append(description)
            else:
                print("self-test: rejected %s: %s" % (description, found[0]))
        for description in missed:
            print("error: self-test: the validator accepted a manifest with: " + description)
        if missed:
            return 1
        print("self-test: all %d broken variants rejected" % len(mutations()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
