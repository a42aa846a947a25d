package pulseapi

import (
	"strings"
	"testing"
)

func TestNewValidation(t *testing.T) {
	ok := Config{BaseURL: "https://api.pulsecrm.com/", APIKey: "k", APISecret: "sekrit"}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"api key", nil, ""},
		{"password", func(c *Config) { c.APIKey, c.APISecret, c.Email, c.Password = "", "", "e@x", "p" }, ""},
		{"http with path", func(c *Config) { c.BaseURL = "http://localhost:8080/v1" }, ""},
		{"relative url", func(c *Config) { c.BaseURL = "/api" }, "absolute http(s) URL"},
		{"no scheme", func(c *Config) { c.BaseURL = "api.pulsecrm.com" }, "absolute http(s) URL"},
		{"ftp", func(c *Config) { c.BaseURL = "ftp://api.pulsecrm.com" }, "absolute http(s) URL"},
		{"empty url", func(c *Config) { c.BaseURL = "" }, "absolute http(s) URL"},
		{"no credentials", func(c *Config) { c.APIKey, c.APISecret = "", "" }, "no credentials"},
		{"key without secret", func(c *Config) { c.APISecret = "" }, "both the key and the secret"},
		{"secret without key", func(c *Config) { c.APIKey = "" }, "both the key and the secret"},
		{"email without password", func(c *Config) { c.APIKey, c.APISecret, c.Email = "", "", "e@x" }, "both the email and the password"},
		{"both methods", func(c *Config) { c.Email, c.Password = "e@x", "p" }, "not both"},
		{"account id not digits", func(c *Config) { c.AccountID = "12a" }, "digits"},
		{"account id digits", func(c *Config) { c.AccountID = "123" }, ""},
		{"credentials in url", func(c *Config) { c.BaseURL = "https://u:sekrit@api.pulsecrm.com" }, "must not carry credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			c, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if strings.HasSuffix(c.BaseURL(), "/") {
					t.Errorf("BaseURL %q has a trailing slash", c.BaseURL())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "sekrit") {
				t.Errorf("secret in error: %v", err)
			}
		})
	}
}

func TestAuthMethodAndBaseURL(t *testing.T) {
	c, _ := New(Config{BaseURL: "https://api.pulsecrm.com/", APIKey: "k", APISecret: "s"})
	if c.AuthMethod() != "api_key" || c.BaseURL() != "https://api.pulsecrm.com" {
		t.Errorf("AuthMethod/BaseURL = %q %q", c.AuthMethod(), c.BaseURL())
	}
	c, _ = New(Config{BaseURL: "https://api.pulsecrm.com", Email: "e@x", Password: "p"})
	if c.AuthMethod() != "password" {
		t.Errorf("AuthMethod = %q", c.AuthMethod())
	}
}
