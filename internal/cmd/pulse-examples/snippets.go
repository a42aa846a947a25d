package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The docs' snippets. Each ```terraform block of a template is checked alone, as a reader would
// paste it: `fmt -check`, then `validate` under each CLI. What a snippet refers to but does not
// declare (a variable, a pulse_* resource or data source from an earlier snippet) is declared
// for it by a stub beside it. Blocks that use another provider (vault_, aws_, time_rotating,
// ...) are listed as not checked.

// snippet is one ```terraform block of a page.
type snippet struct {
	name string // page#n
	hcl  string
}

var (
	blockRE  = regexp.MustCompile("(?ms)^```terraform\n(.*?)^```$")
	typeRE   = regexp.MustCompile(`(?m)^\s*(?:resource|data|ephemeral)\s+"([^"]+)"`)
	refRE    = regexp.MustCompile(`\b([a-z][a-z0-9]*_[a-z0-9_]+)\.[a-z_][a-z0-9_-]*`)
	varRE    = regexp.MustCompile(`\bvar\.([a-z0-9_]+)`)
	pulseRef = regexp.MustCompile(`\b(data\.)?(pulse_[a-z_]+)\.([a-z0-9_-]+)`)
	// What Terraform 1.5 lacks: ephemeral variables and resources, import blocks by identity.
	newerThan15 = []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s*ephemeral\s*=`),
		regexp.MustCompile(`(?m)^ephemeral\s+"`),
		regexp.MustCompile(`(?m)^\s*identity\s*=`),
	}
)

// docSnippets reads every ```terraform block of the templates under root, and splits them into
// those that use only this provider and the names of those that do not.
func docSnippets(root string) (checked []snippet, skipped []string, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md.tmpl") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, m := range blockRE.FindAllStringSubmatch(string(data), -1) {
			s := snippet{name: fmt.Sprintf("%s#%d", filepath.ToSlash(path), i+1), hcl: m[1]}
			if foreign(s.hcl) {
				skipped = append(skipped, s.name)
				continue
			}
			checked = append(checked, s)
		}
		return nil
	})
	return checked, skipped, err
}

// foreign reports whether hcl declares or refers to a type of another provider.
func foreign(hcl string) bool {
	var types []string
	for _, m := range typeRE.FindAllStringSubmatch(hcl, -1) {
		types = append(types, m[1])
	}
	for _, m := range refRE.FindAllStringSubmatch(hcl, -1) {
		types = append(types, m[1])
	}
	return slices.ContainsFunc(types, func(t string) bool { return !strings.HasPrefix(t, "pulse_") && t != "terraform_data" })
}

// stubs declares what hcl refers to but does not declare itself.
func stubs(hcl string) (string, error) {
	var b strings.Builder
	if !strings.Contains(hcl, "required_providers") {
		b.WriteString(providerBlock)
	}
	declared := func(kind, typ, label string) bool {
		return regexp.MustCompile(`(?m)^` + kind + `\s+"` + regexp.QuoteMeta(typ) + `"\s+"` + regexp.QuoteMeta(label) + `"`).MatchString(hcl)
	}
	seen := map[string]bool{}
	for _, m := range varRE.FindAllStringSubmatch(hcl, -1) {
		if v := m[1]; !seen["var."+v] && !regexp.MustCompile(`(?m)^variable\s+"`+v+`"`).MatchString(hcl) {
			fmt.Fprintf(&b, "variable %q {}\n", v)
		}
		seen["var."+m[1]] = true
	}
	for _, m := range pulseRef.FindAllStringSubmatch(hcl, -1) {
		kind, typ, label := "resource", m[2], m[3]
		if m[1] != "" {
			kind = "data"
		}
		if seen[m[0]] || declared(kind, typ, label) {
			continue
		}
		seen[m[0]] = true
		switch {
		case kind == "resource" && typ == "pulse_api_key":
			fmt.Fprintf(&b, "resource \"pulse_api_key\" %q {\n  description = \"stub\"\n  permissions = [\"readData\"]\n}\n", label)
		case kind == "data" && typ == "pulse_api_key":
			fmt.Fprintf(&b, "data \"pulse_api_key\" %q {\n  id = \"1\"\n}\n", label)
		case kind == "data":
			fmt.Fprintf(&b, "data %q %q {}\n", typ, label)
		default:
			return "", fmt.Errorf("it refers to %s, which the check cannot declare", m[0])
		}
	}
	return b.String(), nil
}

// snippetCLIs lists the CLIs a snippet is validated under: Terraform 1.5.7 too unless it uses
// something newer (an ephemeral variable or resource, an import by identity).
func snippetCLIs(hcl string) []string {
	for _, re := range newerThan15 {
		if re.MatchString(hcl) {
			return []string{tofu, latest}
		}
	}
	return []string{tofu, terraform, latest}
}
