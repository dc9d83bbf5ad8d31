from pyhocon.config_parser import ConfigParser, ConfigFactory, ConfigSubstitutionException  # noqa
from pyhocon.config_tree import ConfigTree, ConfigList, UndefinedKey  # noqa
from pyhocon.config_tree import ConfigInclude, ConfigSubstitution, ConfigUnquotedString, ConfigValues  # noqa
from pyhocon.config_tree import ConfigMissingException, ConfigException, ConfigWrongTypeException  # noqa
from pyhocon.converter import HOCONConverter  # noqa
