package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// cliFeature is something the provider offers that needs a newer CLI than the oldest one
// tested (Terraform 1.5.7), with the first versions that have it. README's feature table
// says the same, and TestFeatureGatesMatchREADME keeps the two in step.
type cliFeature struct {
	// name is how README's feature table names it, at the start of its row.
	name      string
	terraform *version.Version
	// tofu is nil when OpenTofu does not have the feature.
	tofu *version.Version
}

var (
	forEachImport = cliFeature{
		name: "Adoption with `import` blocks that iterate", terraform: version.Must(version.NewVersion("1.7.0")),
		tofu: version.Must(version.NewVersion("1.7.0")),
	}
	ephemeralResources = cliFeature{
		name: "Ephemeral resources", terraform: tfversion.Version1_10_0, tofu: tfversion.Version1_11_0,
	}
	resourceIdentity = cliFeature{
		name: "Resource identity", terraform: tfversion.Version1_12_0, tofu: tfversion.Version1_12_0,
	}
	listResources = cliFeature{
		name: "Bulk adoption with `terraform query`", terraform: tfversion.Version1_14_0,
	}
	gatedFeatures = []cliFeature{forEachImport, ephemeralResources, resourceIdentity, listResources}
)

// gate skips an acceptance test below the feature's first Terraform version. The harness
// reads OpenTofu's version as it is, and the OpenTofu tested (1.12.6) has every feature gated
// at 1.12 or below; a 1.14 gate skips it, as it has no list resources.
func (f cliFeature) gate() []tfversion.TerraformVersionCheck {
	return []tfversion.TerraformVersionCheck{tfversion.SkipBelow(f.terraform)}
}

// require skips a test that drives the CLI itself (newCLIDir) when the CLI lacks the feature,
// telling OpenTofu from Terraform.
func (f cliFeature) require(t *testing.T) {
	t.Helper()
	cli := cliUnderTest(t)
	first := f.terraform
	if cli.tofu {
		first = f.tofu
	}
	if first == nil || cli.version.LessThan(first) {
		t.Skipf("%s needs Terraform %s or later (OpenTofu: %s); the CLI under test is %s", f.name, f.terraform, f.tofuText(), cli)
	}
}

func (f cliFeature) tofuText() string {
	if f.tofu == nil {
		return "none yet"
	}
	return f.tofu.String() + " or later"
}

type cliIdentity struct {
	tofu    bool
	version *version.Version
}

func (c cliIdentity) String() string {
	if c.tofu {
		return "OpenTofu " + c.version.String()
	}
	return "Terraform " + c.version.String()
}

var (
	cliOnce sync.Once
	cliSeen cliIdentity
	cliErr  error
)

// cliUnderTest asks the CLI named by TF_ACC_TERRAFORM_PATH what it is, once.
func cliUnderTest(t *testing.T) cliIdentity {
	t.Helper()
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || path == "" {
		t.Skip("needs TF_ACC=1 and TF_ACC_TERRAFORM_PATH, as the make targets set")
	}
	cliOnce.Do(func() {
		cmd := exec.Command(path, "version", "-json")
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
		out, err := cmd.Output()
		if err != nil {
			cliErr = err
			return
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if cliErr = json.Unmarshal(out, &v); cliErr != nil {
			return
		}
		if cliSeen.version, cliErr = version.NewVersion(v.Version); cliErr != nil {
			return
		}
		// OpenTofu answers version -json as Terraform does; its plain version names it.
		cmd = exec.Command(path, "version")
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
		out, cliErr = cmd.Output()
		cliSeen.tofu = strings.HasPrefix(string(out), "OpenTofu")
	})
	if cliErr != nil {
		t.Fatalf("asking %s its version: %s", path, cliErr)
	}
	return cliSeen
}

// Each version gate is the feature's documented minimum: README's feature table, and the
// one on the docs' front page, name the first Terraform and OpenTofu versions of each
// feature, and the tests skip below exactly those.
func TestFeatureGatesMatchREADME(t *testing.T) {
	for _, doc := range []string{"../../README.md", "../../templates/index.md.tmpl"} {
		t.Run(filepath.Base(doc), func(t *testing.T) {
			text, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			checkFeatureTable(t, string(text))
		})
	}
}

// checkFeatureTable compares the rows of a Markdown table "| feature | Terraform | OpenTofu |"
// with the gates.
func checkFeatureTable(t *testing.T, text string) {
	t.Helper()
	rows := map[string][]string{}
	for line := range strings.SplitSeq(text, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), "|")
		if len(cells) >= 3 && strings.HasPrefix(line, "|") {
			rows[strings.TrimSpace(cells[0])] = []string{strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])}
		}
	}
	first := regexp.MustCompile(`^(\d+\.\d+)\+`)
	minor := func(v *version.Version) string {
		s := v.Segments()
		return fmt.Sprintf("%d.%d", s[0], s[1])
	}
	for _, f := range gatedFeatures {
		var cells []string
		for name, c := range rows {
			if strings.HasPrefix(name, f.name) {
				cells = c
			}
		}
		if cells == nil {
			t.Errorf("the feature table has no row starting %q", f.name)
			continue
		}
		if m := first.FindStringSubmatch(cells[0]); m == nil || m[1] != minor(f.terraform) {
			t.Errorf("%s: the table says Terraform %q, the tests skip below %s", f.name, cells[0], minor(f.terraform))
		}
		switch m := first.FindStringSubmatch(cells[1]); {
		case f.tofu == nil && m != nil:
			t.Errorf("%s: the table says OpenTofu %q, the tests say OpenTofu lacks it", f.name, cells[1])
		case f.tofu != nil && (m == nil || m[1] != minor(f.tofu)):
			t.Errorf("%s: the table says OpenTofu %q, the tests say %s", f.name, cells[1], minor(f.tofu))
		}
	}
}
