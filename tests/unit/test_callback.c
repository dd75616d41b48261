/* The authorization response: listener query and pasted URL / code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "callback.h"
#include "listener.h"

#define REDIRECT "http://127.0.0.1:41234/callback"

static void
test_query_basic(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_query_parse("code=abc&state=xyz&iss=https%3A%2F%2Fidp.example%2F&other=1",
					      &p, &why), 0);
	assert_string_equal(p.code, "abc");
	assert_string_equal(p.state, "xyz");
	assert_string_equal(p.iss, "https://idp.example/");
	assert_null(p.error);
	callback_params_clear(&p);
	assert_null(p.code);
}

static void
test_query_error(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_query_parse("error=access_denied&error_description=User+said+no&state=s",
					      &p, &why), 0);
	assert_string_equal(p.error, "access_denied");
	assert_string_equal(p.error_description, "User said no");
	assert_null(p.code);
	callback_params_clear(&p);
}

static void
test_query_duplicate_refused(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_query_parse("code=a&state=s&code=b", &p, &why), -1);
	assert_non_null(why);
	assert_null(p.code);
	assert_int_equal(callback_query_parse("state=a&state=a", &p, &why), -1);
}

static void
test_query_control_chars_refused(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_query_parse("code=a%0Ab&state=s", &p, &why), -1);
	assert_int_equal(callback_query_parse("code=a%00b&state=s", &p, &why), -1);
}

static void
test_query_too_long_refused(void **state)
{
	struct callback_params p;
	const char *why = NULL;
	char *q = malloc(20000);

	memset(q, 'a', 19999);
	memcpy(q, "code=", 5);
	q[19999] = '\0';
	assert_int_equal(callback_query_parse(q, &p, &why), -1);
	free(q);
}

static void
test_query_empty_and_bare_names(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_query_parse("", &p, &why), 0);
	assert_null(p.code);
	assert_int_equal(callback_query_parse("code&state=", &p, &why), 0);
	assert_string_equal(p.code, "");
	assert_string_equal(p.state, "");
	callback_params_clear(&p);
}

static void
test_paste_full_url(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_paste_parse(REDIRECT "?code=c0de&state=st4te", REDIRECT,
					      &p, &why), 0);
	assert_string_equal(p.code, "c0de");
	assert_string_equal(p.state, "st4te");
	callback_params_clear(&p);
}

static void
test_paste_bare_code(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	assert_int_equal(callback_paste_parse("SplxlOBeZQQYbYS6WxSbIA", REDIRECT, &p, &why), 0);
	assert_string_equal(p.code, "SplxlOBeZQQYbYS6WxSbIA");
	assert_null(p.state);
	callback_params_clear(&p);
}

static void
test_paste_other_login_refused(void **state)
{
	struct callback_params p;
	const char *why = NULL;

	/* Another port: another login's listener. */
	assert_int_equal(callback_paste_parse("http://127.0.0.1:41235/callback?code=c&state=s",
					      REDIRECT, &p, &why), -1);
	assert_int_equal(callback_paste_parse("http://127.0.0.1:41234/other?code=c&state=s",
					      REDIRECT, &p, &why), -1);
	assert_int_equal(callback_paste_parse("https://evil.example:41234/callback?code=c&state=s",
					      REDIRECT, &p, &why), -1);
	assert_int_equal(callback_paste_parse("not a code", REDIRECT, &p, &why), -1);
	assert_int_equal(callback_paste_parse("", REDIRECT, &p, &why), -1);
	assert_int_equal(callback_paste_parse("http://127.0.0.1:41234/callback?code=a&code=b",
					      REDIRECT, &p, &why), -1);
}

/* The listener's request parser on what a browser sends, and on tricks. */
static enum listener_verdict
parse_request(const char *text)
{
	struct callback_params p;
	const char *why = NULL;
	char *copy = strdup(text);
	enum listener_verdict v = listener_request_parse(copy, "/callback",
							 "127.0.0.1:5555",
							 "st4te", &p, &why);

	if (v == LISTENER_CALLBACK)
		callback_params_clear(&p);
	free(copy);
	return v;
}

static void
test_request_host(void **state)
{
	assert_int_equal(parse_request("GET /callback?code=c&state=st4te HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555\r\nAccept: */*\r\n\r\n"),
			 LISTENER_CALLBACK);
	assert_int_equal(parse_request("GET /callback?code=c&state=st4te HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555  \r\n\r\n"),
			 LISTENER_CALLBACK);
	/* A Host line in the body is no header. */
	assert_int_equal(parse_request("GET /callback?code=c&state=st4te HTTP/1.1\r\n"
				       "X: y\r\n\r\nHost: 127.0.0.1:5555\r\n"),
			 LISTENER_WRONG_HOST);
	/* Two Host headers: refused whichever comes first. */
	assert_int_equal(parse_request("GET /callback?code=c&state=st4te HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555\r\nHost: evil.example\r\n\r\n"),
			 LISTENER_WRONG_HOST);
	/* Trailing junk after the value is part of the value. */
	assert_int_equal(parse_request("GET /callback?code=c&state=st4te HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555 junk\r\n\r\n"),
			 LISTENER_WRONG_HOST);
	assert_int_equal(parse_request("GET /callback?code=c&state=other HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555\r\n\r\n"),
			 LISTENER_WRONG_STATE);
	assert_int_equal(parse_request("POST /callback?code=c&state=st4te HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555\r\n\r\n"),
			 LISTENER_WRONG_METHOD);
	assert_int_equal(parse_request("GET /callbackx?code=c&state=st4te HTTP/1.1\r\n"
				       "Host: 127.0.0.1:5555\r\n\r\n"),
			 LISTENER_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_basic),
		cmocka_unit_test(test_query_error),
		cmocka_unit_test(test_query_duplicate_refused),
		cmocka_unit_test(test_query_control_chars_refused),
		cmocka_unit_test(test_query_too_long_refused),
		cmocka_unit_test(test_query_empty_and_bare_names),
		cmocka_unit_test(test_paste_full_url),
		cmocka_unit_test(test_paste_bare_code),
		cmocka_unit_test(test_paste_other_login_refused),
		cmocka_unit_test(test_request_host),
	};

	return cmocka_run_group_tests_name("callback", tests, NULL, NULL);
}
