// Package deployments holds no code: its test checks the container,
// compose and Kubernetes files statically, since no container engine or
// cluster runs where the tests do.
package deployments

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// decode reads a manifest into v, refusing fields v's type does not have,
// so that a misspelt key fails here rather than in the cluster.
func decode(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// noRegistryHost reports whether an image reference names no registry
// host: its first path element holds no dot and no port.
func noRegistryHost(image string) bool {
	first, _, nested := strings.Cut(image, "/")
	return !nested || !strings.ContainsAny(first, ".:")
}

func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	var cm corev1.ConfigMap
	var secret corev1.Secret
	var deploy appsv1.Deployment
	var svc corev1.Service
	var hpa autoscalingv2.HorizontalPodAutoscaler
	var job batchv1.Job
	decode(t, "configmap.yaml", &cm)
	decode(t, "secret.example.yaml", &secret)
	decode(t, "deployment.yaml", &deploy)
	decode(t, "service.yaml", &svc)
	decode(t, "hpa.yaml", &hpa)
	decode(t, "migrate-job.yaml", &job)

	for key := range cm.Data {
		if !strings.HasPrefix(key, "SHANGYUN_") {
			t.Errorf("configmap key %s is not a Shangyun setting", key)
		}
	}
	if cm.Data["SHANGYUN_DB_AUTO_MIGRATE"] != "false" {
		t.Error("pods must leave migrations to the Job")
	}

	pod := deploy.Spec.Template.Spec
	checkPod(t, "deployment", pod, cm.Name, secret)
	api := pod.Containers[0]
	if p := api.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
		t.Error("liveness probe must GET /healthz")
	}
	if p := api.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
		t.Error("readiness probe must GET /readyz")
	}
	for k, v := range deploy.Spec.Selector.MatchLabels {
		if deploy.Spec.Template.Labels[k] != v || svc.Spec.Selector[k] != v {
			t.Errorf("label %s=%s must select the pods from the deployment and the service", k, v)
		}
	}
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != deploy.Name ||
		hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Errorf("the autoscaler must scale deployment %s from at least 2", deploy.Name)
	}
	checkPod(t, "migration job", job.Spec.Template.Spec, cm.Name, secret)
	if args := job.Spec.Template.Spec.Containers[0].Args; strings.Join(args, " ") != "migrate up" {
		t.Errorf("the job runs %v, want migrate up", args)
	}
}

// checkPod checks what every pod of Shangyun needs: a non-root user,
// resource requests and limits, images without a registry host, and
// configuration and secrets that exist.
func checkPod(t *testing.T, what string, pod corev1.PodSpec, configMap string, secret corev1.Secret) {
	t.Helper()
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("%s must run as non-root", what)
	}
	for _, c := range pod.Containers {
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() ||
			c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s/%s needs cpu and memory requests and limits", what, c.Name)
		}
		if !noRegistryHost(c.Image) {
			t.Errorf("%s/%s image %s names a registry host", what, c.Name, c.Image)
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef != nil && from.ConfigMapRef.Name != configMap {
				t.Errorf("%s reads configmap %s, which does not exist", what, from.ConfigMapRef.Name)
			}
			if from.SecretRef != nil && from.SecretRef.Name != secret.Name {
				t.Errorf("%s reads secret %s, which does not exist", what, from.SecretRef.Name)
			}
		}
		for _, env := range c.Env {
			ref := env.ValueFrom
			if ref == nil || ref.SecretKeyRef == nil {
				continue
			}
			if ref.SecretKeyRef.Name != secret.Name || secret.StringData[ref.SecretKeyRef.Key] == "" {
				t.Errorf("%s reads %s from secret %s, which has no such key", what,
					ref.SecretKeyRef.Key, ref.SecretKeyRef.Name)
			}
		}
	}
}

func TestComposeFile(t *testing.T) {
	t.Parallel()
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory("."), cli.WithName("shangyun"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	want := map[string]bool{"mysql": true, "redis": true, "mailpit": true, "shangyun": true}
	for _, s := range project.Services {
		delete(want, s.Name)
		if !noRegistryHost(s.Image) {
			t.Errorf("service %s image %s names a registry host", s.Name, s.Image)
		}
	}
	if len(want) != 0 {
		t.Errorf("compose.yaml lacks services %v", want)
	}
	api := project.Services["shangyun"]
	if api.Build == nil || api.Build.Dockerfile != "deployments/Dockerfile" {
		t.Error("the shangyun service must build deployments/Dockerfile")
	}
	if dsn := api.Environment["SHANGYUN_DB_DSN"]; dsn == nil || !strings.Contains(*dsn, "@tcp(mysql:3306)") {
		t.Error("the shangyun service must use the mysql service")
	}
	if dep, ok := api.DependsOn["mysql"]; !ok || dep.Condition != "service_healthy" {
		t.Error("the shangyun service must wait for a healthy mysql")
	}
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"CGO_ENABLED=0", "FROM scratch", "USER 65532:65532",
		"HEALTHCHECK", `"/shangyun", "healthcheck"`} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "FROM" && !noRegistryHost(f[1]) {
			t.Errorf("%q names a registry host", line)
		}
	}
}
