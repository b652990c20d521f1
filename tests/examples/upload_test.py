"""examples/upload: multipart uploads kept on disk under safe names, small and
large (spooled) alike, served back byte for byte, and nothing left behind."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

from example_support import TIMEOUT, Example

MAX_MB = 8


def multipart(files, fields=()):
    """(body, content type) of a multipart/form-data body; files: (field, filename, bytes)."""
    boundary = "ringkit-test-" + os.urandom(8).hex()
    out = b""
    for name, value in fields:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, filename, data in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Upload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="ringkit-upload-test.")
        cls.app = Example([sys.argv[1], "--port", "0", "--dir", cls.dir, "--max-mb", str(MAX_MB)])
        line = cls.app.read_line()
        assert line == f"keeping uploads in {cls.dir}/files", line

    @classmethod
    def tearDownClass(cls):
        status = cls.app.stop()
        shutil.rmtree(cls.dir)
        assert status == 0, f"upload exited with {status}"

    def upload(self, files, fields=()):
        body, content_type = multipart(files, fields)
        status, headers, data = self.app.request("POST", "/upload", body, {"Content-Type": content_type})
        return status, json.loads(data) if headers.get("content-type", "").startswith("application/json") else data

    def assert_served(self, name, data):
        status, _, body = self.app.request("GET", "/files/" + name)
        self.assertEqual((status, len(body)), (200, len(data)))
        self.assertTrue(body == data, f"/files/{name} differs from what was uploaded")
        with open(os.path.join(self.dir, "files", name), "rb") as f:
            self.assertTrue(f.read() == data)

    def assert_no_temp_files_left(self):
        incoming = os.path.join(self.dir, "incoming")
        deadline = time.monotonic() + TIMEOUT  # released once the response is out: poll briefly
        while os.listdir(incoming) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(os.listdir(incoming), [])

    def test_page(self):
        status, _, body = self.app.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"xhr.upload.onprogress", body)

    def test_small_and_large_files_in_one_form(self):
        small = os.urandom(1000)                 # stays in memory
        large = os.urandom(3 * 1024 * 1024 + 7)  # body spooled to disk, part a temp file, kept by link(2)
        status, saved = self.upload([("file", "small.bin", small), ("file", "large.bin", large)],
                                    fields=[("note", "two files")])
        self.assertEqual(status, 201, saved)
        self.assertEqual([(s["name"], s["saved_as"], s["size"]) for s in saved],
                         [("small.bin", "small.bin", 1000), ("large.bin", "large.bin", len(large))])
        self.assert_served("small.bin", small)
        self.assert_served("large.bin", large)
        listing = {f["name"]: f["size"] for f in self.app.get_json("/files")}
        self.assertEqual((listing["small.bin"], listing["large.bin"]), (1000, len(large)))
        self.assert_no_temp_files_left()

    def test_same_name_twice_keeps_both(self):
        first, second = os.urandom(100), os.urandom(200 * 1024)
        self.assertEqual(self.upload([("file", "twice.txt", first)])[1][0]["saved_as"], "twice.txt")
        self.assertEqual(self.upload([("file", "twice.txt", second)])[1][0]["saved_as"], "twice-2.txt")
        self.assert_served("twice.txt", first)
        self.assert_served("twice-2.txt", second)

    def test_client_filenames_cannot_leave_the_directory_or_hide(self):
        # (as written in the quoted-string of the part's header, as the server reads it, as kept)
        for quoted, name, kept in [("../../escape.txt", "../../escape.txt", "escape.txt"),
                                   (r"..\\..\\win.txt", "..\\..\\win.txt", "win.txt"),
                                   (".hidden", ".hidden", "hidden"), ("", "", "upload"),
                                   (r'a b;c\".txt', 'a b;c".txt', "a_b_c_.txt")]:
            status, saved = self.upload([("file", quoted, b"x")])
            self.assertEqual(status, 201, saved)
            self.assertEqual(saved[0]["name"], name)
            self.assertEqual(saved[0]["saved_as"], kept)
        self.assertEqual(sorted(os.listdir(self.dir)), ["files", "incoming"])

    def test_a_form_without_a_file_is_400(self):
        status, body = self.upload([], fields=[("note", "no file")])
        self.assertEqual((status, body), (400, {"error": "no file in the form"}))

    def test_a_body_over_max_mb_is_413_before_it_is_read(self):
        body, content_type = multipart([("file", "big.bin", b"\0" * (MAX_MB * 1024 * 1024 + 1))])
        status, _, _ = self.app.request("POST", "/upload", body, {"Content-Type": content_type})
        self.assertEqual(status, 413)
        self.assertNotIn("big.bin", os.listdir(os.path.join(self.dir, "files")))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
